import { z } from 'zod';
import { call } from './define';

export const conversionSettingsSchema = z.object({
  /** One e-mail per Symphony message (the default), or one per conversation per UTC day. */
  mode: z.enum(['per-message', 'daily-transcript']).default('per-message'),
  /** When set, converted messages are also written as .eml files here, one folder per conversation. */
  exportFolder: z.string().trim().default(''),
});
export type ConversionSettings = z.infer<typeof conversionSettingsSchema>;

/** `itemId`: capture's local item id (as in the run item log) or the Symphony message id. */
const previewInput = z
  .object({
    connectorId: z.string().min(1),
    itemId: z.union([z.number().int().positive(), z.string().trim().min(1).max(200)]),
  })
  .strict();

export const mailAddressSchema = z.object({ name: z.string(), address: z.string() });
export type MailAddress = z.infer<typeof mailAddressSchema>;

export const previewAttachmentSchema = z.object({
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** An inline image shown in the HTML body (referenced as cid:). */
  inline: z.boolean(),
});

export const itemPreviewSchema = z.object({
  /** The delivery ledger's key of the e-mail this item lands in. */
  archiveKey: z.string(),
  mode: z.enum(['per-message', 'daily-transcript']),
  /** Daily-transcript mode: the UTC day shown (yyyy-mm-dd), whose transcript holds the item. */
  day: z.string().optional(),
  /** Top-level header fields of the .eml, in order, unfolded, exactly as written. */
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  subject: z.string(),
  from: mailAddressSchema,
  to: z.array(mailAddressSchema),
  cc: z.array(mailAddressSchema),
  /** ISO 8601. */
  date: z.string(),
  /** Sanitised HTML body; show it in a sandboxed iframe with scripts blocked. Inline images are cid: references. */
  html: z.string(),
  text: z.string(),
  attachments: z.array(previewAttachmentSchema),
  /** Size of the complete .eml in bytes. */
  emlBytes: z.number().int(),
  /**
   * The inline images as data: URLs (each up to 2 MiB, 8 MiB in all), for the preview frame to put
   * in place of `cid:{contentId}`; the e-mail itself carries them as MIME parts.
   */
  inlineImages: z.array(z.object({ contentId: z.string(), dataUrl: z.string() })).default([]),
});
export type ItemPreview = z.infer<typeof itemPreviewSchema>;

export const emlFileSchema = z.object({ filename: z.string(), base64: z.string() });
export type EmlFile = z.infer<typeof emlFileSchema>;

export const convertCalls = {
  'preview.item': call(previewInput, itemPreviewSchema, 'The e-mail a captured item becomes, exactly as it will be imported: headers, bodies, attachments.'),
  'preview.eml': call(previewInput, emlFileSchema, 'The raw .eml (RFC 5322) of a captured item, base64, for saving.'),
} as const;
export const convertEvents = {} as const;
