import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { emlFileName, writeEmlFile } from '../convert/export';
import { verifyAttachmentFiles } from '../convert/files';
import type { AttachmentSplit, Destination, DeliveryTarget, ItemReadback, RemoteItem } from '../model/destination';
import type { ConvertedEmail } from '../model/email';

/**
 * A folder of .eml files: `target.folderId` is the folder (one per conversation, see
 * convert/export.ts EmlExporter.folderFor), the item id is the file name, derived from the
 * e-mail's date and Message-ID, so the same e-mail always lands in the same file. A file is
 * written to a temporary name, synced and renamed: it is either absent or complete.
 */
export class EmlFolderDestination implements Destination {
  readonly route = 'eml-folder' as const;

  async prepare(email: ConvertedEmail): Promise<ConvertedEmail> {
    return email;
  }

  split(email: ConvertedEmail): AttachmentSplit {
    return { inline: email.attachments.map((_, index) => index), later: [] };
  }

  async create(target: DeliveryTarget, email: ConvertedEmail): Promise<RemoteItem> {
    await verifyAttachmentFiles(email);
    await fs.promises.mkdir(target.folderId, { recursive: true });
    const name = emlFileName(email);
    await writeEmlFile(email, path.join(target.folderId, name));
    return { id: name, isDraft: false };
  }

  async find(target: DeliveryTarget, email: ConvertedEmail): Promise<RemoteItem[]> {
    const name = emlFileName(email);
    return fs.existsSync(path.join(target.folderId, name)) ? [{ id: name, isDraft: false }] : [];
  }

  async remove(target: DeliveryTarget, id: string): Promise<void> {
    await fs.promises.rm(path.join(target.folderId, path.basename(id)), { force: true });
  }

  async read(target: DeliveryTarget, id: string): Promise<ItemReadback> {
    const parsed = await simpleParser(fs.createReadStream(path.join(target.folderId, path.basename(id))));
    const headers = parsed.headerLines.map((h) => ({ name: h.line.slice(0, h.line.indexOf(':')), value: h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() }));
    const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
    return {
      isDraft: false,
      sentDateTime: parsed.date?.toISOString(),
      internetMessageId: parsed.messageId,
      headers,
      inReplyTo: header('in-reply-to'),
      references: header('references'),
      attachments: parsed.attachments.map((a) => ({ name: a.filename ?? '', size: a.content.length })),
    };
  }
}
