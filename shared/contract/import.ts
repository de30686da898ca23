import { z } from 'zod';
import { call } from './define';

export const microsoftCloudSchema = z.enum(['public', 'usgov', 'usgov-dod', 'china']);
export type MicrosoftCloud = z.infer<typeof microsoftCloudSchema>;

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

/** Where each cloud signs in and where its Graph lives (national cloud deployments). */
export const microsoftClouds: Record<MicrosoftCloud, { authorityHost: string; graphBaseUrl: string }> = {
  public: { authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us' },
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://dod-graph.microsoft.us' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn' },
};

export const authStatusSchema = z.object({
  connectorId: z.string(),
  mode: z.enum(['interactive', 'certificate']),
  signedIn: z.boolean(),
  /** The signed-in officer (interactive) or the application (certificate). */
  account: z.string().optional(),
  /** When the current access token expires, if one is cached. */
  expiresAt: z.string().optional(),
  /** Why the connector cannot sign in, in plain words. */
  problem: z.string().optional(),
});
export type AuthStatus = z.infer<typeof authStatusSchema>;

export const mailboxCheckSchema = z.object({
  mailbox: z.string(),
  ok: z.boolean(),
  /** `no-mailbox`, `not-licensed`, `access-denied`, `not-found`, `unreachable` when not ok. */
  reason: z.enum(['no-mailbox', 'not-licensed', 'access-denied', 'not-found', 'unreachable']).optional(),
  message: z.string().optional(),
});
export type MailboxCheck = z.infer<typeof mailboxCheckSchema>;

const connectorIdInput = z.object({ connectorId: z.string().min(1) }).strict();

export const importCalls = {
  'auth.status': call(connectorIdInput, authStatusSchema, 'Whether the connector can reach Microsoft 365 and as whom.'),
  'auth.signIn': call(connectorIdInput, authStatusSchema, 'Interactive sign-in of the officer; the host opens the system browser.'),
  'auth.signOut': call(connectorIdInput, authStatusSchema, 'Forgets the cached account and tokens of the connector.'),
  'import.checkPermissions': call(
    z.object({ connectorId: z.string().min(1), mailboxes: z.array(z.string().min(3)).max(5000).optional() }).strict(),
    z.object({ checks: z.array(mailboxCheckSchema) }),
    'Checks that every mailbox (or the given ones) exists, has Exchange Online and can be written.',
  ),
} as const;

export const importEvents = {
  /**
   * Hosts that cannot open the system browser themselves (the browser host) ask the page to show
   * Microsoft's sign-in page; MSAL waits on its loopback redirect meanwhile.
   */
  'auth.signInPage': z.object({ url: z.url({ protocol: /^https?$/ }) }),
} as const;
