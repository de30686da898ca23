import { isLosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { idString } from './json';

/**
 * The parts of Symphony's answers the capture relies on, checked so that a changed API fails
 * with a clear message instead of storing nonsense. Objects stay loose: unknown fields pass.
 */
export const int64 = z.custom<unknown>((v) => typeof v === 'number' || typeof v === 'string' || isLosslessNumber(v), 'expected an integer id').transform(idString);
export const num = z.custom<unknown>((v) => typeof v === 'number' || isLosslessNumber(v), 'expected a number').transform((v) => Number(isLosslessNumber(v) ? v.value : v));
export const optionalString = z.string().nullish().transform((v) => v ?? '');

export const sessionInfoSchema = z.looseObject({
  id: int64,
  username: optionalString,
  displayName: optionalString,
  emailAddress: optionalString,
  company: optionalString,
  accountType: optionalString,
  roles: z.array(z.string()).nullish(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const adminStreamSchema = z.looseObject({
  id: z.string().min(1),
  isExternal: z.boolean().nullish(),
  isActive: z.boolean().nullish(),
  crossPod: z.boolean().nullish(),
  type: z.string(),
  attributes: z
    .looseObject({
      roomName: z.string().nullish(),
      members: z.array(int64).nullish(),
      lastModifiedDate: num.nullish(),
      lastMessageDate: num.nullish(),
    })
    .nullish(),
});
export type AdminStream = z.infer<typeof adminStreamSchema>;

export const adminStreamListSchema = z.looseObject({
  count: num.nullish(),
  skip: num.nullish(),
  limit: num.nullish(),
  streams: z.array(adminStreamSchema).nullish().transform((v) => v ?? []),
});

export const memberSchema = z.looseObject({
  user: z.looseObject({
    userId: int64,
    email: optionalString,
    displayName: optionalString,
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    company: optionalString,
    isExternal: z.boolean().nullish(),
  }),
  isOwner: z.boolean().nullish(),
  joinDate: num.nullish(),
});
export type StreamMember = z.infer<typeof memberSchema>;

export const membershipListSchema = z.looseObject({
  count: num.nullish(),
  skip: num.nullish(),
  limit: num.nullish(),
  members: z.array(memberSchema).nullish().transform((v) => v ?? []),
});

export const userSchema = z.looseObject({
  id: int64,
  emailAddress: optionalString,
  displayName: optionalString,
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  username: z.string().nullish(),
  company: optionalString,
  accountType: z.string().nullish(),
});
export type DirectoryUser = z.infer<typeof userSchema>;

export const userListSchema = z.looseObject({
  users: z.array(userSchema).nullish().transform((v) => v ?? []),
});

export const v4AttachmentSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish().transform((v) => v ?? ''),
  size: num,
});

export const v4MessageSchema = z.looseObject({
  messageId: z.string().min(1),
  timestamp: num,
  message: z.string().nullish().transform((v) => v ?? ''),
  data: z.string().nullish().transform((v) => v ?? ''),
  attachments: z.array(v4AttachmentSchema).nullish().transform((v) => v ?? []),
  user: z.looseObject({
    userId: int64,
    displayName: optionalString,
    email: optionalString,
    username: z.string().nullish(),
  }),
  stream: z.looseObject({ streamId: z.string(), streamType: z.string().nullish() }).nullish(),
  replacing: z.string().nullish(),
  initialMessageId: z.string().nullish(),
});
export type V4MessageView = z.infer<typeof v4MessageSchema>;

export const tokenSchema = z.looseObject({ token: z.string().min(1) });
