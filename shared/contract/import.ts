import { z } from 'zod';

export const microsoftCloudSchema = z.enum(['public', 'usgov', 'usgov-dod', 'china']);

export const microsoftSettingsSchema = z.object({
  cloud: microsoftCloudSchema.default('public'),
  tenantId: z.string().trim().default(''),
  clientId: z.string().trim().default(''),
  /** Interactive: the officer signs in. Certificate: unattended runs with client credentials. */
  authMode: z.enum(['interactive', 'certificate']).default('interactive'),
  /** PEM with the certificate and its private key, for `certificate` mode. */
  certificatePath: z.string().trim().default(''),
  /** Overrides for sovereign clouds and for tests; empty means the cloud's own. */
  authorityHost: z.string().trim().default(''),
  graphBaseUrl: z.string().trim().default(''),
  /** Name of the folder created under each mailbox's Inbox. */
  folderName: z.string().trim().min(1).max(255).default('Symphony'),
  markAsRead: z.boolean().default(true),
});
export type MicrosoftSettings = z.infer<typeof microsoftSettingsSchema>;

export const importCalls = {} as const;
export const importEvents = {} as const;
