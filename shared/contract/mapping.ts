import { z } from 'zod';

export const mappingSettingsSchema = z.object({
  /** automatic: by the participant's e-mail, with custom rows winning; custom-only: only custom rows. */
  mode: z.enum(['automatic', 'custom-only']).default('automatic'),
  /** Items with no mapped participant go here when set; otherwise they are reported as unmapped. */
  fallbackMailbox: z.string().trim().default(''),
});
export type MappingSettings = z.infer<typeof mappingSettingsSchema>;

export const mappingCalls = {} as const;
export const mappingEvents = {} as const;
