import { z } from 'zod';
import { call } from './define';

export const microsoftCloudSchema = z.enum(['public', 'usgov', 'usgov-dod', 'china']);
export type MicrosoftCloud = z.infer<typeof microsoftCloudSchema>;

/**
 * How items are written (docs/decisions/graph-import.md): `graph-json` is Graph v1.0 JSON create;
 * `graph-mime` is Graph beta importMime for every e-mail that fits one request, JSON create for the rest.
 */
export const importMethodSchema = z.enum(['graph-json', 'graph-mime']);
export type ImportMethod = z.infer<typeof importMethodSchema>;

/** Microsoft's Symphony connectors file items that `itemclass:ipm.externaldata.Symphony*` finds. */
export const DEFAULT_MESSAGE_CLASS = 'IPM.ExternalData.Symphony.IM';

/** PidTagMessageClass rules (MS-OXCMSG 2.2.1.3): printable ASCII, under 128 characters, no trailing dot; ours start with IPM. */
export const messageClassSchema = z
  .string()
  .trim()
  .regex(/^IPM(\.[\x21-\x2d\x2f-\x7e]+)+$/i, 'A message class starts with IPM., has dot-separated parts of printable ASCII without spaces, and does not end with a dot (e.g. IPM.ExternalData.Symphony.IM).')
  .max(127, 'Keep the message class under 128 characters.');

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
  importMethod: importMethodSchema.default('graph-json'),
  /** Set on every item written by JSON create; importMime items keep what Exchange derives from MIME (IPM.Note). */
  messageClass: messageClassSchema.default(DEFAULT_MESSAGE_CLASS),
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

/** One point the probe checked on the item it read back. `held: null` when it could not be checked. */
export const probeCheckSchema = z.object({
  name: z.enum(['created', 'non-draft', 'sent-date', 'received-date', 'message-class', 'custody-headers', 'message-id', 'threading', 'conversation', 'large-attachment', 'small-attachment', 'deleted']),
  label: z.string(),
  held: z.boolean().nullable(),
  expected: z.string(),
  actual: z.string(),
});
export type ProbeCheck = z.infer<typeof probeCheckSchema>;

export const probeMethodResultSchema = z.object({
  method: importMethodSchema,
  /** Everything an archive item needs held: created non-draft, sent date, custody headers, attachments, deleted again. */
  held: z.boolean(),
  checks: z.array(probeCheckSchema),
  /** Why the method failed outright, in plain words, with the fix. */
  error: z.string().optional(),
});
export type ProbeMethodResult = z.infer<typeof probeMethodResultSchema>;

export const importVerificationSchema = z.object({
  connectorId: z.string(),
  mailbox: z.string(),
  verifiedAt: z.string(),
  /** The connector's configured method when it held on this tenant; null when it did not. */
  verifiedMethod: importMethodSchema.nullable(),
  configuredMethod: importMethodSchema,
  methods: z.array(probeMethodResultSchema),
});
export type ImportVerification = z.infer<typeof importVerificationSchema>;

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
  'import.verify': call(
    z.object({ connectorId: z.string().min(1), mailbox: z.string().trim().min(3) }).strict(),
    importVerificationSchema,
    'Check import: writes a probe item with each method into the mailbox, reads it back, deletes it, and stores what held.',
  ),
  'import.verification': call(connectorIdInput, z.object({ verification: importVerificationSchema.nullable() }), 'The last Check import of the connector, if any.'),
} as const;

export const importEvents = {
  /**
   * Hosts that cannot open the system browser themselves (the browser host) ask the page to show
   * Microsoft's sign-in page; MSAL waits on its loopback redirect meanwhile.
   */
  'auth.signInPage': z.object({ url: z.url({ protocol: /^https?$/ }) }),
} as const;
