import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Conversation } from '../model/captured';
import type { ConvertedEmail } from '../model/email';
import { conversationTitle } from './envelope';
import { verifyAttachmentFiles } from './files';
import { headerSafeId } from './ids';
import { toMimeStream } from './mime';

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** A file or folder name every platform accepts (Windows is the strictest). */
export function safeName(value: string, max = 100): string {
  // eslint-disable-next-line no-control-regex
  let name = value.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ').replace(/\s+/g, ' ').trim();
  name = Array.from(name).slice(0, max).join('').replace(/[. ]+$/, '');
  if (!name) name = 'unnamed';
  return RESERVED.test(name) ? `_${name}` : name;
}

/** The stable file name of an e-mail: its UTC time and the local part of its Message-ID. */
export function emlFileName(email: ConvertedEmail): string {
  const stamp = email.date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const local = email.messageId.replace(/^<|>$/g, '').split('@')[0] ?? 'message';
  return `${stamp}_${safeName(local, 120)}.eml`;
}

/**
 * Writes converted e-mails as .eml files, one folder per conversation. Idempotent: an item always
 * gets the same file name and the same bytes, written to a temporary file and renamed, so a file
 * is either absent or complete. Folders are named after the conversation and end with its stream
 * id; a renamed room keeps its first folder (found by the stream id).
 */
export class EmlExporter {
  private readonly folders = new Map<string, string>();

  constructor(private readonly root: string) {}

  folderFor(conversation: Conversation): string {
    const key = headerSafeId(conversation.streamId);
    const known = this.folders.get(key);
    if (known) return known;
    const suffix = ` [${key}]`;
    fs.mkdirSync(this.root, { recursive: true });
    const existing = fs.readdirSync(this.root).find((name) => name.endsWith(suffix));
    const folder = path.join(this.root, existing ?? `${safeName(conversationTitle(conversation), 80)}${suffix}`);
    fs.mkdirSync(folder, { recursive: true });
    this.folders.set(key, folder);
    return folder;
  }

  async write(email: ConvertedEmail, conversation: Conversation): Promise<{ path: string; bytes: number }> {
    await verifyAttachmentFiles(email);
    const target = path.join(this.folderFor(conversation), emlFileName(email));
    await writeEmlFile(email, target);
    return { path: target, bytes: (await fs.promises.stat(target)).size };
  }
}

/**
 * Writes the e-mail's MIME to `file` durably and all at once: streamed to a partial file, synced,
 * then renamed, so a reader or a crash never sees half an e-mail; a failure leaves no partial file.
 */
export async function writeEmlFile(email: ConvertedEmail, file: string): Promise<void> {
  const temp = `${file}.${process.pid}.partial`;
  try {
    await pipeline(toMimeStream(email), fs.createWriteStream(temp, { flags: 'w' }));
    const handle = await fs.promises.open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}
