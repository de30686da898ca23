import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ContentExportSettings } from '../../../../shared/contract/content-export';
import { ArchiverError } from '../../../../shared/errors';
import type { Participant } from '../../model/captured';
import { canonicalJson, sha256Hex } from '../json';
import { parseConversationEml, type ExportAddress, type ExportConversation } from './eml';
import { parseExportFileName } from './file-names';
import { hashFile, md5Hex, parseMd5File } from './integrity';
import { decryptFile, readHead, sniffEnvelope, unlockKey } from './pgp';
import { readKeyFile, resolveSecret } from './secrets';
import type { ReadAttachment, ReadConversation, ReadItem } from './batch';
import { readZipEntries } from './zip';

export interface ReadExportOptions {
  /** The downloaded file. */
  local: string;
  /** Its name on the server. */
  name: string;
  staging: string;
  attachmentsDir: string;
  settings: ContentExportSettings;
  env?: NodeJS.ProcessEnv;
  /** The .md5 delivered beside the file, when there is one. */
  besideChecksum?: { name: string; content: Buffer };
  onDownloaded?: (sha256: string) => void;
  isIngested: (sha256: string) => boolean;
  knownUserId: (email: string) => string | undefined;
}

export interface ReadExport {
  alreadyIngested: boolean;
  sha256: string;
  size: number;
  format: 'eml';
  conversations: ReadConversation[];
  items: number;
  warnings: string[];
  cleanup: () => void;
}

/**
 * Everything between a downloaded file and the items to store: checksum, decryption, ZIP,
 * per-entry checksums, EML parsing, attachments saved to the spool. Nothing is written to the
 * database here, so a failure anywhere leaves the store untouched.
 */
export async function readExportFile(o: ReadExportOptions): Promise<ReadExport> {
  const delivered = await hashFile(o.local);
  o.onDownloaded?.(delivered.sha256);
  const temps: string[] = [];
  const cleanup = () => temps.forEach((t) => fs.rmSync(t, { force: true }));
  const result: ReadExport = { alreadyIngested: false, sha256: delivered.sha256, size: delivered.size, format: 'eml', conversations: [], items: 0, warnings: [], cleanup };
  if (o.isIngested(delivered.sha256)) return { ...result, alreadyIngested: true };

  try {
    const expected = o.besideChecksum ? parseMd5File(o.besideChecksum.content) : undefined;
    if (o.besideChecksum && !expected) throw checksumError(o.name, `${o.besideChecksum.name} holds no MD5 digest`);

    const envelope = sniffEnvelope(readHead(o.local));
    let zipPath = o.local;
    if (envelope === 'pgp-armored' || envelope === 'pgp-binary') {
      if (!o.settings.pgpPrivateKeyPath) {
        throw new ArchiverError({ code: 'invalid-input', message: `${o.name} is PGP-encrypted, and no PGP private key is configured.`, fix: 'Set the PGP private key file (and its passphrase reference) that matches the encryption key configured for the Content Export in Symphony.', target: 'contentExport.pgpPrivateKeyPath' });
      }
      const key = await unlockKey({
        key: readKeyFile(o.settings.pgpPrivateKeyPath, 'PGP private key', 'contentExport.pgpPrivateKeyPath'),
        passphrase: resolveSecret(o.settings.pgpPassphraseRef, 'PGP passphrase', 'contentExport.pgpPassphraseRef', o.env),
        keyPath: o.settings.pgpPrivateKeyPath,
      });
      zipPath = `${o.local}.zip`;
      temps.push(zipPath);
      await decryptFile(o.local, zipPath, envelope, key, o.name);
    } else if (envelope !== 'zip') {
      throw new ArchiverError({ code: 'invalid-input', message: `${o.name} is neither a ZIP archive nor a PGP-encrypted file.`, fix: 'Check that the folder holds Symphony Content Export files only; the file is skipped.', target: o.name });
    }
    // Which bytes the .md5 covers is not documented: the delivered file or, when encrypted, the ZIP inside.
    if (expected && expected !== delivered.md5 && (zipPath === o.local || expected !== (await hashFile(zipPath)).md5)) {
      throw checksumError(o.name, `${o.besideChecksum!.name} says ${expected}, the file's MD5 is ${delivered.md5}`);
    }
    await readEntries(zipPath, o, result);
    return result;
  } catch (error) {
    cleanup();
    throw error;
  }
}

async function readEntries(zipPath: string, o: ReadExportOptions, result: ReadExport): Promise<void> {
  const fallbackTimestamp = parseExportFileName(o.name).contentStart;
  const digests = new Map<string, string>();
  const checksums = new Map<string, string>();
  const byStream = new Map<string, ReadConversation>();
  const xml: string[] = [];
  let emlCount = 0;
  for await (const entry of readZipEntries(zipPath, o.name)) {
    const lower = entry.name.toLowerCase();
    if (lower.endsWith('.md5')) {
      const digest = parseMd5File(entry.data);
      if (!digest) throw checksumError(o.name, `${entry.name} holds no MD5 digest`);
      checksums.set(entry.name, digest);
      continue;
    }
    digests.set(entry.name, md5Hex(entry.data));
    if (lower.endsWith('.xml')) {
      xml.push(entry.name);
      continue;
    }
    if (!lower.endsWith('.eml')) {
      result.warnings.push(`${entry.name} is not an EML file and was not read.`);
      continue;
    }
    emlCount++;
    const parsed = await parseConversationEml(entry.data, { file: o.name, fileSha256: result.sha256, entry: entry.name, fallbackTimestamp });
    merge(byStream, toReadConversation(parsed, o));
  }
  if (emlCount === 0 && xml.length > 0) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `${o.name} is in an XML format (Symphony XML or Actiance; ${xml.length} XML files such as ${xml[0]}), which the archiver does not read.`,
      fix: 'In Symphony\'s Admin Portal (Company Settings, Export Content) set the export format to EML; this file stays on the server and is reported on every poll until removed.',
      target: o.name,
    });
  }
  if (xml.length > 0) result.warnings.push(`${xml.length} XML files beside the EML files were not read.`);
  for (const [md5Name, expected] of checksums) {
    const target = md5Name.replace(/\.md5$/i, '');
    const candidates = [target, `${target}.eml`];
    const covered = candidates.find((c) => digests.has(c));
    if (!covered) {
      result.warnings.push(`${md5Name} names no file in the archive.`);
      continue;
    }
    if (digests.get(covered) !== expected) throw checksumError(o.name, `${covered} does not match ${md5Name}`);
  }
  result.conversations = unifyPeople([...byStream.values()]);
  result.items = result.conversations.reduce((n, c) => n + c.items.length, 0);
}

function toReadConversation(c: ExportConversation, o: ReadExportOptions): ReadConversation {
  const pseudonymous = new Set<string>();
  const resolve = (a: ExportAddress): Participant => {
    let userId = a.symphonyUserId && /^\d+$/.test(a.symphonyUserId) ? a.symphonyUserId : (a.email ? o.knownUserId(a.email) : undefined);
    if (!userId) {
      userId = `email:${a.email.toLowerCase() || 'unknown'}`;
      pseudonymous.add(userId);
    }
    return { userId, email: a.email, displayName: a.displayName, external: false };
  };
  const members = c.members.map(resolve);
  const items: ReadItem[] = c.messages.map((m) => {
    const sourceJson = canonicalJson(m.source);
    return {
      messageId: m.messageId,
      timestamp: m.timestamp,
      sender: resolve(m.sender),
      presentationML: m.presentationML,
      entityJSON: '',
      replacesMessageId: m.replacesMessageId,
      sourceJson,
      sourceSha256: sha256Hex(sourceJson),
      attachments: m.attachments.map((a) => saveAttachment(a.content, a.name, a.contentType, a.inline, o.attachmentsDir, o.staging)),
    };
  });
  const byId = new Map(members.map((m) => [m.userId, m]));
  for (const item of items) if (!byId.has(item.sender.userId)) byId.set(item.sender.userId, item.sender);
  return { streamId: c.streamId, streamType: c.streamType, name: c.name, external: false, crossPod: false, members: [...byId.values()], pseudonymousUserIds: pseudonymous, items };
}

/**
 * A person who only received messages in one conversation but sent (with a Symphony id) in
 * another of the same file gets that id everywhere, rather than an e-mail-derived one.
 */
function unifyPeople(conversations: ReadConversation[]): ReadConversation[] {
  const byEmail = new Map<string, string>();
  for (const c of conversations) {
    for (const p of [...c.members, ...c.items.map((i) => i.sender)]) {
      if (p.email && !c.pseudonymousUserIds.has(p.userId)) byEmail.set(p.email.toLowerCase(), p.userId);
    }
  }
  const fix = (c: ReadConversation, p: Participant): Participant => {
    const real = c.pseudonymousUserIds.has(p.userId) ? byEmail.get(p.email.toLowerCase()) : undefined;
    return real ? { ...p, userId: real } : p;
  };
  return conversations.map((c) => {
    const members = new Map<string, Participant>();
    for (const m of c.members.map((m) => fix(c, m))) if (!members.has(m.userId)) members.set(m.userId, m);
    const items = c.items.map((i) => ({ ...i, sender: fix(c, i.sender) }));
    const pseudonymousUserIds = new Set([...members.keys()].filter((id) => c.pseudonymousUserIds.has(id)));
    return { ...c, members: [...members.values()], items, pseudonymousUserIds };
  });
}

/** One conversation may span several EML files of the same export. */
function merge(byStream: Map<string, ReadConversation>, next: ReadConversation): void {
  const current = byStream.get(next.streamId);
  if (!current) {
    byStream.set(next.streamId, next);
    return;
  }
  const ids = new Set(current.members.map((m) => m.userId));
  for (const m of next.members) if (!ids.has(m.userId)) current.members.push(m);
  for (const id of next.pseudonymousUserIds) (current.pseudonymousUserIds as Set<string>).add(id);
  current.items.push(...next.items);
}

/**
 * Content-addressed, so a re-read after a crash rewrites the same file and leaves no duplicate;
 * written in the poll's staging folder first, so a crash mid-write leaves nothing in the spool.
 */
function saveAttachment(content: Buffer, name: string, contentType: string, inline: boolean, dir: string, staging: string): ReadAttachment {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const spoolPath = path.join(dir, sha256);
  if (!fs.existsSync(spoolPath) || fs.statSync(spoolPath).size !== content.length) {
    const part = path.join(staging, `${sha256}.part`);
    const fd = fs.openSync(part, 'w');
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(part, spoolPath);
  }
  return { attachmentId: `ce-${sha256.slice(0, 32)}`, name, contentType, size: content.length, sha256, spoolPath, inline };
}

function checksumError(name: string, detail: string): ArchiverError {
  return new ArchiverError({
    code: 'invalid-input',
    message: `${name} failed its MD5 check (${detail}): it was altered or only partly transferred, so nothing from it was stored.`,
    fix: 'The file is tried again on the next poll; if the mismatch stays, ask your Symphony admin to re-run the export for that period.',
    target: name,
  });
}
