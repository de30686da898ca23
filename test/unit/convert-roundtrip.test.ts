import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapturedMessage, Conversation } from '../../electron/core/model/captured';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { convertTranscript } from '../../electron/core/convert/transcript';
import { utcDay } from '../../electron/core/convert/ids';
import { generatePod, sha256File } from '../fixtures/convert/generate';
import { expectSame } from '../fixtures/convert/expect-same';
import { mimeDefects, parseWithMailparser, parseWithPostalMime, pythonDefects, writeAll } from '../fixtures/convert/mime-check';
import { makeTempDir } from '../support/tmp';

describe('converted e-mails parse back to what was meant', () => {
  const temp = makeTempDir('convert-roundtrip-');
  afterAll(() => temp.cleanup());
  const pod = generatePod({ seed: 20260105, spool: path.join(temp.dir, 'spool'), conversations: 9, messagesPerConversation: 14 });
  const byStream = new Map<string, Conversation>(pod.conversations.map((c) => [c.streamId, c]));

  it('the generated pod exercises what it should', () => {
    const all = pod.messages;
    expect(all.length).toBe(126);
    expect(all.filter((m) => m.attachments.length > 0).length).toBeGreaterThan(10);
    expect(all.filter((m) => m.attachments.some((a) => a.inline)).length).toBeGreaterThan(3);
    expect(all.filter((m) => m.replacesMessageId).length).toBeGreaterThan(0);
    for (const feature of ['com.symphony.user.mention', 'org.symphonyoss.taxonomy', 'org.symphonyoss.fin.security', 'com.symphony.emoji']) {
      expect(all.some((m) => m.entityJSON.includes(feature)), feature).toBe(true);
    }
    for (const tag of ['<table>', '<ul>', '<pre>', 'class="card', '<a href="mailto:']) expect(all.some((m) => m.presentationML.includes(tag)), tag).toBe(true);
  });

  it('every per-message e-mail reads back identically with mailparser and postal-mime, without defects', async () => {
    const files = new Map<string, Buffer>();
    for (const message of pod.messages) {
      const email = await convertMessage(message, byStream.get(message.streamId) as Conversation);
      // The hashes recorded at capture are the hashes of the spooled files.
      for (const [i, a] of email.attachments.entries()) expect(sha256File(a.path)).toBe(message.attachments[i]?.sha256);
      const eml = await toMime(email);
      expect(mimeDefects(eml), email.archiveKey).toEqual([]);
      expectSame(await parseWithMailparser(eml), email, 'mailparser');
      expectSame(await parseWithPostalMime(eml), email, 'postal-mime');
      files.set(`${message.id}.eml`, eml);
    }
    const folder = path.join(temp.dir, 'per-message');
    writeAll(folder, files);
    const python = pythonDefects(folder);
    if (python) expect(Object.entries(python).filter(([, d]) => d.length > 0)).toEqual([]);
  });

  it('threads every message of a conversation under one root, and an edit under the message it replaces', async () => {
    for (const conversation of pod.conversations) {
      const ofStream = pod.messages.filter((m) => m.streamId === conversation.streamId);
      const emails = await Promise.all(ofStream.map(async (m) => ({ m, e: await convertMessage(m, conversation) })));
      const roots = new Set(emails.map(({ e }) => e.references[0]));
      expect(roots.size).toBe(1);
      for (const { m, e } of emails) {
        expect(e.from.address).toMatch(m.sender.email ? new RegExp(`^${m.sender.email.replace(/\./g, '\\.')}$`) : /^user\.\d+@acme\.symphony\.com\.symphony\.archive$/);
        expect(e.to.map((a) => a.address)).not.toContain(e.from.address);
        expect(e.to.length).toBe(conversation.members.length - 1);
        if (m.replacesMessageId) {
          const original = emails.find(({ m: o }) => o.messageId === m.replacesMessageId)?.e;
          expect(e.inReplyTo).toBe(original?.messageId);
          expect(e.references).toEqual([e.references[0], original?.messageId]);
          expect(e.headers.find((h) => h.name === 'X-Symphony-Replaces')?.value).toBe(m.replacesMessageId);
          expect(e.subject).toContain('(edited)');
        } else {
          expect(e.inReplyTo).toBe(e.references[0]);
          expect(e.headers.some((h) => h.name === 'X-Symphony-Replaces')).toBe(false);
        }
      }
    }
  });

  it('every daily transcript reads back identically too', async () => {
    const files = new Map<string, Buffer>();
    for (const conversation of pod.conversations) {
      const byDay = new Map<string, CapturedMessage[]>();
      for (const m of pod.messages.filter((x) => x.streamId === conversation.streamId)) byDay.set(utcDay(m.timestamp), [...(byDay.get(utcDay(m.timestamp)) ?? []), m]);
      for (const [day, messages] of byDay) {
        const { email, messageIds } = await convertTranscript({ conversation, day, messages });
        expect(messageIds).toEqual(messages.map((m) => m.messageId));
        expect(email.attachments.length).toBe(messages.reduce((n, m) => n + m.attachments.length, 0));
        const eml = await toMime(email);
        expect(mimeDefects(eml), email.archiveKey).toEqual([]);
        expectSame(await parseWithMailparser(eml), email, 'mailparser');
        expectSame(await parseWithPostalMime(eml), email, 'postal-mime');
        files.set(`${files.size}.eml`, eml);
      }
    }
    expect(files.size).toBeGreaterThan(pod.conversations.length);
    const folder = path.join(temp.dir, 'transcripts');
    writeAll(folder, files);
    const python = pythonDefects(folder);
    if (python) expect(Object.entries(python).filter(([, d]) => d.length > 0)).toEqual([]);
  });

  it('notes an attachment capture gave up on, and refuses one still downloading', async () => {
    const message = pod.messages.find((m) => m.attachments.length > 0) as CapturedMessage;
    const conversation = byStream.get(message.streamId) as Conversation;
    const [first, ...rest] = message.attachments;
    const failed = { ...message, attachments: [{ ...first!, spoolPath: null, size: null, sha256: null, status: 'failed', failure: 'declared 300 MB, over the limit' }, ...rest] };
    const email = await convertMessage(failed as CapturedMessage, conversation);
    expect(email.attachments.length).toBe(rest.length);
    expect(email.text).toContain(`[attachment not archived: ${first!.name} (declared 300 MB, over the limit)]`);
    expect((await parseWithMailparser(await toMime(email))).text).toContain('[attachment not archived:');
    const pending = { ...message, attachments: [{ ...first!, spoolPath: null, size: null, sha256: null, status: 'pending', failure: null }] };
    await expect(convertMessage(pending as CapturedMessage, conversation)).rejects.toThrow(expect.objectContaining({ code: 'not-found', target: `${message.connectorId}/${message.messageId}/${first!.attachmentId}` }));
  });
});
