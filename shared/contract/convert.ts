import { z } from 'zod';

export const conversionSettingsSchema = z.object({
  /** One e-mail per Symphony message (the default), or one per conversation per UTC day. */
  mode: z.enum(['per-message', 'daily-transcript']).default('per-message'),
  /** When set, converted messages are also written as .eml files here, one folder per conversation. */
  exportFolder: z.string().trim().default(''),
});
export type ConversionSettings = z.infer<typeof conversionSettingsSchema>;

export const convertCalls = {} as const;
export const convertEvents = {} as const;
