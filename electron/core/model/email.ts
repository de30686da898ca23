/**
 * A converted e-mail, independent of how it travels. The converter builds it once from captured
 * items; `toMime` renders it as RFC 5322 (preview, .eml export) and the Graph importer renders the
 * very same object as a Graph `message` — so the preview shows exactly what lands.
 */

export interface EmailAddress {
  name: string;
  address: string;
}

export interface EmailAttachment {
  /** File name as shown to the user (may be non-ASCII). */
  filename: string;
  contentType: string;
  /** Where the bytes are (spool file); never loaded whole into memory by the pipeline. */
  path: string;
  size: number;
  sha256: string;
  /** For inline images referenced from the HTML as cid:… */
  contentId?: string;
  inline: boolean;
}

export interface ConvertedEmail {
  /** The archive key: unique per connector and source item(s); also the delivery ledger's key. */
  archiveKey: string;
  /** `<…@…>` form, deterministic from pod + Symphony message id. */
  messageId: string;
  inReplyTo?: string;
  references: string[];
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  /** The original time of the Symphony message (or the transcript's last message). */
  date: Date;
  html: string;
  text: string;
  attachments: EmailAttachment[];
  /** Chain-of-custody and source headers, all `X-Symphony-*`; order is significant for byte-identical output. */
  headers: Array<{ name: string; value: string }>;
}
