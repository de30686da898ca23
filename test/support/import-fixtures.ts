import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ConvertedEmail, EmailAttachment } from '../../electron/core/model/email';

/** Deterministic bytes: AES-256-CTR keystream of a seed, so a file can be regenerated and compared. */
export function deterministicBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** Writes a large deterministic file in 4 MiB steps (never the whole file in memory); returns its sha256. */
export async function writeDeterministicFile(file: string, seed: string, size: number): Promise<string> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const step = 4 * 1024 * 1024;
  const zero = Buffer.alloc(step);
  async function* chunks() {
    for (let written = 0; written < size; written += step) {
      const bytes = cipher.update(zero.subarray(0, Math.min(step, size - written)));
      hash.update(bytes);
      yield bytes;
    }
  }
  await pipeline(Readable.from(chunks()), fs.createWriteStream(file));
  return hash.digest('hex');
}

export function attachmentFile(dir: string, name: string, bytes: Buffer, extra: Partial<EmailAttachment> = {}): EmailAttachment {
  const file = path.join(dir, `${createHash('sha1').update(name + bytes.length).digest('hex').slice(0, 10)}-${name}`);
  fs.writeFileSync(file, bytes);
  return { filename: name, contentType: 'application/octet-stream', path: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), inline: false, ...extra };
}

/** A ConvertedEmail as the converter would produce it, built directly for importer tests. */
export function makeEmail(index: number, attachments: EmailAttachment[] = [], headerCount = 3): ConvertedEmail {
  const date = new Date(Date.UTC(2025, 0, 1) + index * 61_000);
  const headers = Array.from({ length: headerCount }, (_, i) => ({ name: i === 0 ? 'X-Symphony-Message-Id' : `X-Symphony-Custody-${i}`, value: `m${index}-h${i}; value=${i}` }));
  return {
    archiveKey: `pod1:msg-${String(index).padStart(6, '0')}`,
    messageId: `<msg-${index}@pod1.symphony.example>`,
    references: index > 0 ? [`<msg-${index - 1}@pod1.symphony.example>`] : [],
    inReplyTo: index > 0 ? `<msg-${index - 1}@pod1.symphony.example>` : undefined,
    from: { name: `Sender ${index % 17}`, address: `sender${index % 17}@corp.example` },
    to: [{ name: 'Room', address: 'room@corp.example' }],
    cc: [],
    subject: `Chat ${index}: quarterly numbers ✓`,
    date,
    html: `<p>Message <b>${index}</b></p>`,
    text: `Message ${index}`,
    attachments,
    headers,
  };
}

/** The e-mails of the kill test, rebuilt identically by the parent and by each child process. */
export const KILL_MESSAGES = 1_200;
export const KILL_MAILBOXES = 60;

export function killScenarioRecipients(index: number): string[] {
  const a = index % KILL_MAILBOXES;
  const b = (index * 11 + 5) % KILL_MAILBOXES;
  return [...new Set([a, b])].map((n) => `user${String(n).padStart(3, '0')}@corp.example`);
}

export function killScenarioEmail(dir: string, index: number): ConvertedEmail {
  const attachments: EmailAttachment[] = [];
  if (index % 40 === 0) {
    // Large enough for an upload session of two chunks, so kills land mid-upload too.
    const file = path.join(dir, `kill-${index}.bin`);
    attachments.push({ filename: `scan-${index}.bin`, contentType: 'application/octet-stream', path: file, size: KILL_LARGE_BYTES + index, sha256: '', inline: false });
  }
  if (index % 7 === 0) {
    const file = path.join(dir, `kill-small-${index}.txt`);
    attachments.push({ filename: `note-${index}.txt`, contentType: 'text/plain', path: file, size: 500 + index, sha256: '', inline: false });
  }
  return makeEmail(index, attachments);
}

const KILL_LARGE_BYTES = 4_000_000;

/** Writes the attachment files of the kill scenario and fills in their hashes. */
export function prepareKillScenarioFiles(dir: string): void {
  for (let index = 0; index < KILL_MESSAGES; index++) {
    for (const attachment of killScenarioEmail(dir, index).attachments) {
      if (!fs.existsSync(attachment.path)) fs.writeFileSync(attachment.path, deterministicBytes(attachment.filename, attachment.size));
    }
  }
}

export function withHashes(email: ConvertedEmail): ConvertedEmail {
  return { ...email, attachments: email.attachments.map((a) => ({ ...a, sha256: createHash('sha256').update(fs.readFileSync(a.path)).digest('hex') })) };
}
