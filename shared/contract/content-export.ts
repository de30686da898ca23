import { z } from 'zod';
import { call } from './define';

/**
 * Where a secret comes from. Secrets never sit in settings: the officer names an environment
 * variable (`env:NAME`) or a file readable only by the archiver's account (`file:/path`).
 */
export const secretReferenceSchema = z
  .string()
  .trim()
  .regex(/^(|env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'Reference the secret as env:VARIABLE_NAME or file:/path/to/file; never paste the secret itself.')
  .default('');
export type SecretReference = z.infer<typeof secretReferenceSchema>;

/**
 * How OpenSSH prints a host key fingerprint (`ssh-keygen -lf`, `ssh-keyscan | ssh-keygen -lf -`).
 * Several may be given (separated by spaces or commas) for a server with more than one host key.
 */
export const hostKeyFingerprintSchema = z
  .string()
  .trim()
  .regex(/^(|SHA256:[A-Za-z0-9+/]{43}=?([\s,]+SHA256:[A-Za-z0-9+/]{43}=?)*)$/, 'Paste the fingerprint as OpenSSH prints it, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8')
  .default('');

/** Formats the archiver reads; see docs/content-export.md for why Symphony XML and Actiance are not among them. */
export const contentExportFormatSchema = z.enum(['eml']);

export const contentExportSettingsSchema = z.object({
  /** `sftp`: the server the pod's admin set as the export destination; `folder`: a local or mounted network folder. */
  transport: z.enum(['sftp', 'folder']).default('sftp'),
  host: z.string().trim().default(''),
  port: z.number({ error: 'Enter the SFTP port, a number such as 22.' }).int('Enter a whole port number, such as 22.').min(1, 'Enter a port from 1 to 65535.').max(65535, 'Enter a port from 1 to 65535.').default(22),
  username: z.string().trim().default(''),
  /** OpenSSH or PEM private key file for SFTP key authentication. */
  privateKeyPath: z.string().trim().default(''),
  privateKeyPassphraseRef: secretReferenceSchema,
  /** SFTP password authentication (used when no key path is set). */
  passwordRef: secretReferenceSchema,
  /** The server's host key fingerprint; a server presenting another key is refused. */
  hostKeyFingerprint: hostKeyFingerprintSchema,
  remoteDir: z.string().trim().default('/'),
  /** For the `folder` transport. */
  localDir: z.string().trim().default(''),
  /** Set when the admin enabled PGP encryption of the export. */
  pgpPrivateKeyPath: z.string().trim().default(''),
  pgpPassphraseRef: secretReferenceSchema,
  /** Delete a file from the server once its content is stored. Off unless the officer opts in. */
  deleteAfterIngest: z.boolean().default(false),
  format: contentExportFormatSchema.default('eml'),
  /** A file younger than this may still be being written by Symphony's export job. */
  minFileAgeSeconds: z.number().int().min(0).max(86_400).default(120),
});
export type ContentExportSettings = z.infer<typeof contentExportSettingsSchema>;

export const contentExportRemoteFileSchema = z.object({
  name: z.string(),
  size: z.number(),
  modifiedAt: z.string().nullable(),
  /** `export`: a Content Export file; `checksum`: its .md5; `other`: anything else in the folder. */
  kind: z.enum(['export', 'checksum', 'other']),
  ingested: z.boolean(),
});

export const contentExportTestResultSchema = z.object({
  transport: z.enum(['sftp', 'folder']),
  /** The fingerprint the SFTP server presented (null for a folder). */
  presentedFingerprint: z.string().nullable(),
  /** True when the presented key matched the pinned fingerprint. */
  hostKeyVerified: z.boolean(),
  directory: z.string(),
  files: z.array(contentExportRemoteFileSchema),
  exportFiles: z.number(),
  alreadyIngested: z.number(),
  /** One sentence for the officer summarising what was found. */
  summary: z.string(),
});
export type ContentExportTestResult = z.infer<typeof contentExportTestResultSchema>;

export const contentExportCalls = {
  'contentExport.test': call(
    z.object({ connectorId: z.string().min(1) }).strict(),
    contentExportTestResultSchema,
    'Connects to the Content Export location, checks the SFTP host key, lists the folder and reports what it found.',
  ),
} as const;

export const contentExportEvents = {} as const;
