import { expect } from 'vitest';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import type { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';

/**
 * The acceptance check: every (e-mail, mailbox) pair exists exactly once, in Inbox/Symphony, as a
 * non-draft item with the original dates and byte-identical attachments; nothing else exists.
 */
export function expectExactlyOnce(emulator: GraphEmulator, expected: Map<string, string[]>, emails: (key: string) => ConvertedEmail, options: { draftsAllowed?: boolean } = {}): void {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  for (const { user, folder, message } of emulator.directory.allMessages()) {
    const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
    const pair = `${key} -> ${user.userPrincipalName}`;
    seen.set(pair, (seen.get(pair) ?? 0) + 1);
    const parent = folder.parentFolderId ? [...emulator.directory.mailboxes.get(user.id)!.folders.values()].find((f) => f.id === folder.parentFolderId) : undefined;
    if (folder.displayName !== 'Symphony' || parent?.wellKnownName !== 'inbox') problems.push(`${pair} is in ${folder.displayName}`);
    if (message.isDraft && !options.draftsAllowed) problems.push(`${pair} is a draft`);
    const email = emails(key);
    if (message.sentDateTime !== email.date.toISOString() || message.receivedDateTime !== email.date.toISOString()) problems.push(`${pair} has dates ${message.sentDateTime}/${message.receivedDateTime}`);
    const got = message.attachments.map((a) => `${a.name}:${a.size}:${a.sha256}`).sort();
    const want = email.attachments.map((a) => `${a.filename}:${a.size}:${a.sha256}`).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${pair} attachments ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  for (const [key, mailboxes] of expected) {
    for (const mailbox of mailboxes) {
      const count = seen.get(`${key} -> ${mailbox}`) ?? 0;
      if (count !== 1) problems.push(`${key} -> ${mailbox} exists ${count} times`);
      seen.delete(`${key} -> ${mailbox}`);
    }
  }
  for (const pair of seen.keys()) problems.push(`unexpected item ${pair}`);
  expect(problems.slice(0, 20)).toEqual([]);
  expect(emulator.counters.maxConcurrentPerMailbox).toBeLessThanOrEqual(4);
}

/**
 * Every message the emulator saw deleted is named in the run logs as a deleted copy (a stray,
 * with the copy kept, or a replaced one): nothing disappears from a mailbox without evidence.
 */
export function expectDeletionsLogged(emulator: GraphEmulator, logs: string, which: (deleted: GraphEmulator['directory']['deleted'][number]) => boolean = () => true): void {
  const unlogged = emulator.directory.deleted.filter(which).filter((d) => !logs.includes(`deleted ${d.id} `) && !logs.includes(`deleted ${d.id},`));
  expect(unlogged.map((d) => `${d.id} in ${d.userPrincipalName}`)).toEqual([]);
}
