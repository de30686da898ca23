import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { CapturedMessage, Conversation } from '../electron/core/model/captured';
import type { ConvertedEmail } from '../electron/core/model/email';
import { convertMessage } from '../electron/core/convert/message';
import { toMime } from '../electron/core/convert/mime';
import { renderPresentationML } from '../electron/core/convert/presentationml';
import { clearPurifyCache } from '../electron/core/convert/sanitize';
import { generatePod } from '../test/fixtures/convert/generate';
import type { BenchRow } from './types';

/**
 * Conversion throughput: PresentationML rendering alone, the whole conversion to an .eml, and the
 * same e-mails composed by a bare MailComposer (no rendering, no sanitising, no fixed boundaries)
 * as the baseline the ratio is taken against, without and with attachments. Every measured pass
 * starts with an empty sanitiser cache, so repeated items do not flatter the numbers.
 */
export async function runConvertBench(options: { messages?: number } = {}): Promise<BenchRow[]> {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'archiver-convert-bench-'));
  try {
    const perConversation = 100;
    const count = options.messages ?? 3000;
    const pod = generatePod({ seed: 42, spool, conversations: Math.ceil(count / perConversation), messagesPerConversation: perConversation });
    const warm = generatePod({ seed: 43, spool: path.join(spool, 'warm'), conversations: 3, messagesPerConversation: 100 });
    const byStream = new Map<string, Conversation>([...pod.conversations, ...warm.conversations].map((c) => [c.streamId, c]));
    const plain = pod.messages.map((m) => ({ ...m, attachments: [] }));
    const withFiles = pod.messages.filter((m) => m.attachments.length > 0);
    const conversationOf = (m: CapturedMessage) => byStream.get(m.streamId) as Conversation;

    // Warm up the JIT, jsdom and the parsers on other items.
    for (const m of warm.messages) await toMime(convertMessage({ ...m, attachments: [] }, conversationOf(m)));

    // Most chat is a line of plain text; the generator's messages are richer than typical chat.
    const oneLiners = plain.map((m, i) => ({ ...m, presentationML: `<div data-format="PresentationML" data-version="2.0">ok, ${i} done - see you at ${i % 24}:00 &amp; thanks</div>`, entityJSON: '' }));
    const plainText = await measureAsync(oneLiners.length, async () => {
      for (const m of oneLiners) await toMime(convertMessage(m, conversationOf(m)));
    });

    const render = measure(plain.length, () => {
      for (const m of plain) {
        const members = new Map(conversationOf(m).members.map((p) => [p.userId, p]));
        renderPresentationML(m.presentationML, m.entityJSON, { members });
      }
    });
    const convertOnly = measure(plain.length, () => {
      for (const m of plain) convertMessage(m, conversationOf(m));
    });
    const full = await measureAsync(plain.length, async () => {
      for (const m of plain) await toMime(convertMessage(m, conversationOf(m)));
    });
    // The baseline composes the very same e-mails, already converted, with MailComposer's defaults.
    const converted = plain.map((m) => convertMessage(m, conversationOf(m)));
    const bare = await measureAsync(converted.length, async () => {
      for (const e of converted) await bareCompose(e);
    });

    const fullFiles = await measureAsync(withFiles.length, async () => {
      for (const m of withFiles) await toMime(convertMessage(m, conversationOf(m)));
    });
    const convertedFiles = withFiles.map((m) => convertMessage(m, conversationOf(m)));
    const bareFiles = await measureAsync(convertedFiles.length, async () => {
      for (const e of convertedFiles) await bareCompose(e);
    });
    const attachmentBytes = convertedFiles.reduce((n, e) => n + e.attachments.reduce((k, a) => k + a.size, 0), 0);

    const rate = (n: number) => Math.round(n);
    return [
      { name: 'PresentationML → HTML + text (allow-list + DOMPurify)', value: rate(render), unit: 'msg/s', note: `${plain.length} generated messages` },
      { name: 'CapturedMessage → ConvertedEmail', value: rate(convertOnly), unit: 'msg/s' },
      { name: 'convert + .eml, no attachments', value: rate(full), unit: 'msg/s' },
      { name: 'convert + .eml, one line of plain text', value: rate(plainText), unit: 'msg/s' },
      { name: 'bare MailComposer, no attachments', value: rate(bare), unit: 'msg/s', note: 'same e-mails, already converted' },
      { name: 'ratio convert + .eml / bare, no attachments', value: Number((full / bare).toFixed(2)), unit: '×' },
      { name: 'convert + .eml, with attachments', value: rate(fullFiles), unit: 'msg/s', note: `${withFiles.length} messages, ${(attachmentBytes / withFiles.length / 1024).toFixed(1)} KiB of files each on average` },
      { name: 'bare MailComposer, with attachments', value: rate(bareFiles), unit: 'msg/s' },
      { name: 'ratio convert + .eml / bare, with attachments', value: Number((fullFiles / bareFiles).toFixed(2)), unit: '×' },
    ];
  } finally {
    fs.rmSync(spool, { recursive: true, force: true });
  }
}

function bareCompose(email: ConvertedEmail): Promise<Buffer> {
  return new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.subject,
    date: email.date,
    text: email.text,
    html: email.html,
    attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: a.path, ...(a.contentId ? { cid: a.contentId } : {}) })),
  }).compile().build();
}

/** Items per second of one pass. */
function measure(items: number, pass: () => void): number {
  clearPurifyCache();
  const start = performance.now();
  pass();
  return items / ((performance.now() - start) / 1000);
}

async function measureAsync(items: number, pass: () => Promise<void>): Promise<number> {
  clearPurifyCache();
  const start = performance.now();
  await pass();
  return items / ((performance.now() - start) / 1000);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runConvertBench());
}
