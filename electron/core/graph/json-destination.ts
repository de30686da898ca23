import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '@microsoft/microsoft-graph-types';
import { DEFAULT_MESSAGE_CLASS } from '../../../shared/contract';
import type { AttachmentSplit, Destination, DestinationRouter, DeliveryTarget, RemoteItem, WriteOptions } from '../model/destination';
import type { ConvertedEmail } from '../model/email';
import { type GraphClient, odataString, userPath } from './client';
import { ARCHIVE_KEY_PROPERTY, inlineAttachment, MAX_REQUEST_BYTES, planAttachments, renderMessage } from './message';
import { findGraphItems, PR_MESSAGE_CLASS, readGraphItem, removeGraphItem } from './readback';

/** Room left for the JSON around a create below Graph's 4 MB request limit. */
const CREATE_MARGIN = 64 * 1024;
export const BODY_ATTACHMENT_NAME = 'message-body.html';

export interface JsonDestinationOptions {
  graph: GraphClient;
  /** PidTagMessageClass set on every item. */
  messageClass?: string;
  /** Where a body too large for one request is written as the attachment that carries it. */
  scratchDir?: string;
}

/** The importer's default when no router is given: every e-mail by JSON create. */
export function jsonOnlyRouter(options: JsonDestinationOptions): DestinationRouter {
  const json = new JsonDestination(options);
  return { route: async (email) => ({ destination: json, email: await json.prepare(email) }), byRoute: (route) => (route === json.route ? json : undefined) };
}

/**
 * Today's path: `POST …/messages` with a JSON message, non-draft through PR_MESSAGE_FLAGS, dates as
 * MAPI properties, attachments inline when they fit and added afterwards otherwise. The create
 * request never exceeds 4 MB: a body that would push it over moves, whole, into an attached HTML
 * file (uploaded by session like any large attachment) and the item's body says so.
 */
export class JsonDestination implements Destination {
  readonly route = 'graph-json' as const;
  private readonly messageClass: string;

  constructor(private readonly options: JsonDestinationOptions) {
    this.messageClass = options.messageClass ?? DEFAULT_MESSAGE_CLASS;
  }

  async prepare(email: ConvertedEmail): Promise<ConvertedEmail> {
    if (this.createBytes(email) <= MAX_REQUEST_BYTES - CREATE_MARGIN) return email;
    const moved = await this.bodyAsAttachment(email);
    if (this.createBytes(moved) > MAX_REQUEST_BYTES - CREATE_MARGIN) {
      throw new Error(`${email.archiveKey}: even without its body the item needs ${this.createBytes(moved)} bytes in one create request (recipients or headers), more than Graph's 4 MB.`);
    }
    return moved;
  }

  split(email: ConvertedEmail, options: WriteOptions): AttachmentSplit {
    return planAttachments(email, options);
  }

  async create(target: DeliveryTarget, email: ConvertedEmail, split: AttachmentSplit, options: WriteOptions): Promise<RemoteItem> {
    const attachments = await Promise.all(split.inline.map((index) => inlineAttachment(email.attachments[index]!)));
    const body = this.render(email, options, attachments);
    const response = await this.options.graph.request<Message>({
      method: 'POST',
      path: `${userPath(target.mailbox)}/mailFolders/${encodeURIComponent(target.folderId)}/messages`,
      body,
      mailbox: target.mailbox,
      signal: target.signal,
      beforeSend: target.beforeSend,
    });
    return { id: response.body.id!, isDraft: response.body.isDraft === true, createdDateTime: response.body.createdDateTime ?? undefined };
  }

  find(target: DeliveryTarget, email: Pick<ConvertedEmail, 'archiveKey'>): Promise<RemoteItem[]> {
    return findGraphItems(this.options.graph, target, `singleValueExtendedProperties/any(ep: ep/id eq ${odataString(ARCHIVE_KEY_PROPERTY)} and ep/value eq ${odataString(email.archiveKey)})`);
  }

  remove(target: DeliveryTarget, id: string): Promise<void> {
    return removeGraphItem(this.options.graph, target, id);
  }

  read(target: DeliveryTarget, id: string) {
    return readGraphItem(this.options.graph, target, id);
  }

  private render(email: ConvertedEmail, options: WriteOptions, attachments: Awaited<ReturnType<typeof inlineAttachment>>[]): Message {
    const message = renderMessage(email, options, attachments);
    message.singleValueExtendedProperties = [...(message.singleValueExtendedProperties ?? []), { id: PR_MESSAGE_CLASS, value: this.messageClass }];
    return message;
  }

  private createBytes(email: ConvertedEmail): number {
    return Buffer.byteLength(JSON.stringify(this.render(email, { markAsRead: true, asDraft: false }, [])));
  }

  /** The same e-mail with its HTML body in an attachment; the file is written once per archive key. */
  private async bodyAsAttachment(email: ConvertedEmail): Promise<ConvertedEmail> {
    const dir = this.options.scratchDir;
    if (!dir) throw new Error(`${email.archiveKey}: the body is larger than one Graph request and no folder was given to stage it as an attachment.`);
    const bytes = Buffer.from(email.html, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = path.join(dir, `${createHash('sha256').update(email.archiveKey).digest('hex').slice(0, 32)}-${sha256.slice(0, 16)}.html`);
    if (!fs.existsSync(file)) {
      await fs.promises.mkdir(dir, { recursive: true });
      const temp = `${file}.${process.pid}.partial`;
      await fs.promises.writeFile(temp, bytes);
      await fs.promises.rename(temp, file);
    }
    const size = bytes.length;
    const note = `This item is too large for its body to travel in one Microsoft 365 request: the full body (${size} bytes, SHA-256 ${sha256}) is the attachment ${BODY_ATTACHMENT_NAME}.`;
    return {
      ...email,
      html: `<p>${note}</p>`,
      text: note,
      attachments: [...email.attachments, { filename: BODY_ATTACHMENT_NAME, contentType: 'text/html', path: file, size, sha256, inline: false }],
    };
  }
}
