import fs from 'node:fs';
import path from 'node:path';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { deterministicBytes, makeEmail } from './import-fixtures';

/** The e-mails of the importMime kill test, rebuilt identically by the parent and each child. */
export const MIME_KILL_MESSAGES = 240;
export const MIME_KILL_MAILBOXES = 12;

export function mimeKillRecipients(index: number): string[] {
  return [...new Set([index % MIME_KILL_MAILBOXES, (index * 5 + 3) % MIME_KILL_MAILBOXES])].map((n) => `user${String(n).padStart(3, '0')}@corp.example`);
}

/** Mostly e-mails importMime takes whole; every 30th carries 3.4 MB and goes by JSON create. */
export function mimeKillEmail(dir: string, index: number): ConvertedEmail {
  const size = index % 30 === 0 ? 3_400_000 + index : index % 4 === 0 ? 5_000 + index : 0;
  const attachments = size
    ? [{ filename: `file-${index}.bin`, contentType: 'application/octet-stream', path: path.join(dir, `mime-kill-${index}.bin`), size, sha256: '', inline: false }]
    : [];
  return makeEmail(index, attachments, 6);
}

export function prepareMimeKillFiles(dir: string): void {
  for (let index = 0; index < MIME_KILL_MESSAGES; index++) {
    for (const a of mimeKillEmail(dir, index).attachments) if (!fs.existsSync(a.path)) fs.writeFileSync(a.path, deterministicBytes(a.filename, a.size));
  }
}
