import type { Message } from '@microsoft/microsoft-graph-types';
import { toMime } from '../convert/mime';
import { type GraphClient, odataString, userPath } from '../graph/client';
import { GraphRequestError } from '../graph/errors';
import { MAX_REQUEST_BYTES } from '../graph/message';
import { findGraphItems, readGraphItem, removeGraphItem } from '../graph/readback';
import type { AttachmentSplit, Destination, DeliveryTarget, RemoteItem } from '../model/destination';
import type { ConvertedEmail } from '../model/email';

export interface MimeDestinationOptions {
  graph: GraphClient;
  /**
   * Largest importMime request body. Microsoft states no limit for this beta action; Graph's
   * general 4 MB request limit is assumed, and the probe (Check import) measures what the tenant takes.
   */
  maxRequestBytes?: number;
}

/**
 * Graph beta importMime: the very .eml the converter makes, base64, as the whole `text/plain`
 * body; Exchange files it non-draft "as if it was delivered", with every header, part and
 * attachment (https://learn.microsoft.com/en-us/graph/api/mailfolder-importmime?view=graph-rest-beta).
 * An e-mail whose base64 would not fit one request is declined here and goes by the JSON path.
 * Items are found again by their Message-ID, which the converter derives from the archive key;
 * the JSON path's archive-key property cannot travel in MIME.
 */
export class MimeDestination implements Destination {
  readonly route = 'graph-mime' as const;
  readonly maxRequestBytes: number;
  private readonly encoded = new WeakMap<ConvertedEmail, string>();

  constructor(private readonly options: MimeDestinationOptions) {
    this.maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  }

  async prepare(email: ConvertedEmail): Promise<ConvertedEmail | undefined> {
    // A lower bound of the MIME size (encodings only grow it): only an e-mail that may fit is composed in memory.
    if (base64Length(lowerBound(email)) > this.maxRequestBytes) return undefined;
    const text = (await toMime(email)).toString('base64');
    if (text.length > this.maxRequestBytes) return undefined;
    this.encoded.set(email, text);
    return email;
  }

  split(email: ConvertedEmail): AttachmentSplit {
    return { inline: email.attachments.map((_, index) => index), later: [] };
  }

  async create(target: DeliveryTarget, email: ConvertedEmail): Promise<RemoteItem> {
    const text = this.encoded.get(email) ?? (await toMime(email)).toString('base64');
    if (text.length > this.maxRequestBytes) throw new Error(`${email.archiveKey}: ${text.length} bytes of base64 MIME exceed the importMime limit of ${this.maxRequestBytes}.`);
    let response;
    try {
      response = await this.options.graph.request<Message>({
        method: 'POST',
        version: 'beta',
        path: `${userPath(target.mailbox)}/mailFolders/${encodeURIComponent(target.folderId)}/importMime`,
        text,
        mailbox: target.mailbox,
        signal: target.signal,
        beforeSend: target.beforeSend,
      });
    } catch (error) {
      // Graph says only "Access is denied"; the officer needs to know which permission.
      if (error instanceof GraphRequestError && error.status === 403) {
        throw new GraphRequestError(403, error.code, `importMime needs Mail-Advanced.ReadWrite.All (application) or Mail-Advanced.ReadWrite (delegated): ${error.message}`, error.retryAfterMs, error.body);
      }
      throw error;
    }
    return { id: response.body.id!, isDraft: response.body.isDraft === true, createdDateTime: response.body.createdDateTime ?? undefined };
  }

  find(target: DeliveryTarget, email: Pick<ConvertedEmail, 'messageId'>): Promise<RemoteItem[]> {
    return findGraphItems(this.options.graph, target, `internetMessageId eq ${odataString(email.messageId)}`);
  }

  remove(target: DeliveryTarget, id: string): Promise<void> {
    return removeGraphItem(this.options.graph, target, id);
  }

  read(target: DeliveryTarget, id: string) {
    return readGraphItem(this.options.graph, target, id);
  }
}

function lowerBound(email: ConvertedEmail): number {
  return email.attachments.reduce((n, a) => n + a.size, Buffer.byteLength(email.html) + Buffer.byteLength(email.text));
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}
