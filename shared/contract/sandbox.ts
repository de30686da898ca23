import { z } from 'zod';
import { call, emptyInput } from './define';

/**
 * The sandbox (`npm run demo`): an emulated pod and Microsoft 365 tenant in the same process, so
 * the whole archive can be seen without either. These calls exist only in a sandbox host; a real
 * host answers them with "not available in this host".
 */
export const sandboxMailboxSchema = z.object({
  userPrincipalName: z.string(),
  displayName: z.string(),
  /** Items in Inbox/Symphony. */
  items: z.number().int(),
  /** The sandbox control "refuses writes" is on for it (access denied, as a mis-scoped RBAC policy answers). */
  refusesWrites: z.boolean(),
});

export const sandboxStateSchema = z.object({
  mailboxes: z.array(sandboxMailboxSchema),
  /** The tenant answers a share of requests with 429 (throttling). */
  throttled: z.boolean(),
  /** Until when (ISO) the pod's network is down; null when it is up. */
  podOfflineUntil: z.string().nullable(),
  podPeople: z.number().int(),
  podMessages: z.number().int(),
});
export type SandboxState = z.infer<typeof sandboxStateSchema>;

/** One item as Outlook lists it. */
export const sandboxItemSchema = z.object({
  id: z.string(),
  subject: z.string(),
  from: z.string(),
  sentDateTime: z.string().nullable(),
  receivedDateTime: z.string().nullable(),
  isRead: z.boolean(),
  isDraft: z.boolean(),
  /** Outlook groups a conversation's items by this. */
  conversationTopic: z.string(),
  attachments: z.array(z.object({ name: z.string(), size: z.number().int() })),
  /** The text Outlook shows in its reading pane (plain text of the body, first 2,000 characters). */
  preview: z.string(),
});
export type SandboxItem = z.infer<typeof sandboxItemSchema>;

export const sandboxControlSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('refuseWrites'), userPrincipalName: z.string().min(1), on: z.boolean() }).strict(),
  z.object({ action: z.literal('throttle'), on: z.boolean() }).strict(),
  z.object({ action: z.literal('dropPod'), seconds: z.number().int().min(1).max(600) }).strict(),
  z.object({ action: z.literal('addPeople'), count: z.number().int().min(1).max(50) }).strict(),
  z.object({ action: z.literal('sendMessages'), count: z.number().int().min(1).max(1000) }).strict(),
]);
export type SandboxControl = z.infer<typeof sandboxControlSchema>;

export const sandboxCalls = {
  'sandbox.state': call(emptyInput, sandboxStateSchema, "The sandbox tenant's mailboxes and the state of its failure controls."),
  'sandbox.mailbox': call(
    z.object({ userPrincipalName: z.string().min(1) }).strict(),
    z.object({ userPrincipalName: z.string(), items: z.array(sandboxItemSchema) }),
    "What landed in one sandbox mailbox's Inbox/Symphony, newest first, as Outlook lists it.",
  ),
  'sandbox.control': call(sandboxControlSchema, sandboxStateSchema, 'Turns a sandbox failure on or off, or adds people or traffic to the pod, to show how runs handle it.'),
} as const;

export const sandboxEvents = {} as const;
