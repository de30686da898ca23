import { z } from 'zod';
import { contractErrorSchema } from '../errors';
import { call } from './define';
import { isoDateOrEmptySchema, podUrlSchema, proxyUrlSchema } from './fields';

/** Where a connector reads the pod from (see docs/ARCHITECTURE.md, "Sources"). */
export const symphonySourceSchema = z.enum(['streams', 'datahose', 'content-export']);
export type SymphonySource = z.infer<typeof symphonySourceSchema>;


export const symphonySettingsSchema = z.object({
  /** `https://host[:port]`, normalised on parse (see fields.ts for what is accepted). */
  podUrl: podUrlSchema.default(''),
  /** Defaults to the pod URL when empty. */
  agentUrl: podUrlSchema.default(''),
  /** Defaults to the pod URL when empty. */
  keyManagerUrl: podUrlSchema.default(''),
  username: z.string().trim().default(''),
  /** Path to the service account's RSA private key (PEM). The key itself is never stored. */
  privateKeyPath: z.string().trim().default(''),
  proxyUrl: proxyUrlSchema.default(''),
  source: symphonySourceSchema.default('streams'),
  streamTypes: z.array(z.enum(['IM', 'MIM', 'ROOM'])).min(1).default(['IM', 'MIM', 'ROOM']),
  /** ISO date; the first capture starts here (empty: the pod's beginning). */
  startDate: isoDateOrEmptySchema.default(''),
});
export type SymphonySettings = z.infer<typeof symphonySettingsSchema>;

export const connectionStepNameSchema = z.enum(['settings', 'key', 'pod-login', 'key-manager', 'identity', 'streams', 'agent', 'datahose', 'content-export']);
export type ConnectionStepName = z.infer<typeof connectionStepNameSchema>;

/** One step of "test connection": the first failing step says exactly what is wrong. */
export const connectionStepSchema = z.object({
  step: connectionStepNameSchema,
  /** What was checked, in words (e.g. "Log in to the pod"). */
  label: z.string(),
  status: z.enum(['ok', 'failed', 'skipped']),
  /** What was found (on success) or why it failed. */
  message: z.string(),
  error: contractErrorSchema.optional(),
  durationMs: z.number(),
});
export type ConnectionStep = z.infer<typeof connectionStepSchema>;

export const connectionTestSchema = z.object({
  ok: z.boolean(),
  steps: z.array(connectionStepSchema),
  identity: z
    .object({ userId: z.string(), username: z.string(), displayName: z.string(), email: z.string(), company: z.string() })
    .optional(),
});
export type ConnectionTest = z.infer<typeof connectionTestSchema>;

export const capturedConversationSchema = z.object({
  streamId: z.string(),
  streamType: z.enum(['IM', 'MIM', 'ROOM', 'POST']),
  name: z.string(),
  external: z.boolean(),
  members: z.number().int(),
  items: z.number().int(),
  firstTimestamp: z.number().nullable(),
  lastTimestamp: z.number().nullable(),
  attachmentsPending: z.number().int(),
  attachmentsFailed: z.number().int(),
  /** The last capture error of this conversation, if its last capture failed. */
  lastError: z.string().nullable(),
  /** Timestamp (ms) the next read starts from; null before the first read. */
  checkpoint: z.number().nullable(),
});
export type CapturedConversation = z.infer<typeof capturedConversationSchema>;

const connectorIdInput = z.object({ connectorId: z.string().min(1) }).strict();

export const captureCalls = {
  'capture.testConnection': call(connectorIdInput, connectionTestSchema, 'Tests what the connector\'s source needs and reports each step: for member streams and Datahose the key, pod, key manager, identity, stream listing and agent (and a Datahose read); for Content Export the pod URL and the export location.'),
  'capture.conversations': call(connectorIdInput, z.array(capturedConversationSchema), 'The conversations captured for a connector, with item, member and attachment counts.'),
} as const;
export const captureEvents = {} as const;
