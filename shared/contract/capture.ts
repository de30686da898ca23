import { z } from 'zod';

/** Where a connector reads the pod from (see docs/ARCHITECTURE.md, "Sources"). */
export const symphonySourceSchema = z.enum(['streams', 'datahose', 'content-export']);
export type SymphonySource = z.infer<typeof symphonySourceSchema>;

const urlOrEmpty = z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'Enter a full URL such as https://acme.symphony.com' })]);

export const symphonySettingsSchema = z.object({
  podUrl: urlOrEmpty.default(''),
  /** Defaults to the pod URL when empty. */
  agentUrl: urlOrEmpty.default(''),
  /** Defaults to the pod URL when empty. */
  keyManagerUrl: urlOrEmpty.default(''),
  username: z.string().trim().default(''),
  /** Path to the service account's RSA private key (PEM). The key itself is never stored. */
  privateKeyPath: z.string().trim().default(''),
  proxyUrl: urlOrEmpty.default(''),
  source: symphonySourceSchema.default('streams'),
  streamTypes: z.array(z.enum(['IM', 'MIM', 'ROOM'])).min(1).default(['IM', 'MIM', 'ROOM']),
  /** ISO date; the first capture starts here (empty: the pod's beginning). */
  startDate: z.string().default(''),
});
export type SymphonySettings = z.infer<typeof symphonySettingsSchema>;

export const captureCalls = {} as const;
export const captureEvents = {} as const;
