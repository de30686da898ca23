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
  /** File name as shown to the user (may be non-ASCII), made safe for every OS (convert/filenames.ts). */
  filename: string;
  /** The type written on the part: what the bytes are (convert/sniff.ts), not only what was declared. */
  contentType: string;
  /** Chain of custody: the name and types as received and as found; written with the part. */
  custody?: AttachmentCustody;
  /** Where the bytes are (spool file); never loaded whole into memory by the pipeline. */
  path: string;
  size: number;
  sha256: string;
  /** For inline images referenced from the HTML as cid:… */
  contentId?: string;
  inline: boolean;
}

export interface AttachmentCustody {
  /** The file name exactly as Symphony sent it. */
  originalName: string;
  /** The content type Symphony declared ('' when none). */
  declaredType: string;
  /** The type the bytes were found to be ('' when unrecognised). */
  sniffedType: string;
}

/** How a reviewer's mail reader groups the e-mail: one conversation per Symphony stream. */
export interface EmailThread {
  /** Thread-Topic / PR_CONVERSATION_TOPIC: the conversation's title, the same for every item. */
  topic: string;
  /** Thread-Index / PR_CONVERSATION_INDEX as base64 (22 bytes derived from the stream). */
  index: string;
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
  /** Conversation identity; absent only for e-mails built outside the converter (tests). */
  thread?: EmailThread;
}
