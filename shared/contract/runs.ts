import { z } from 'zod';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour.');

export const scheduleSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  kind: z.enum(['interval', 'cron']).default('interval'),
  intervalHours: z.number().positive().max(24 * 31).default(24),
  cron: z.string().trim().default(''),
  /** Optional window in local time; runs only start inside it. */
  windowStart: z.union([z.literal(''), timeOfDay]).default(''),
  windowEnd: z.union([z.literal(''), timeOfDay]).default(''),
});
export type ScheduleSettings = z.infer<typeof scheduleSettingsSchema>;

export const runCalls = {} as const;
export const runEvents = {} as const;
