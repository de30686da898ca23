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

    // Warm up the JIT and the parsers on other items.
    for (const m of warm.messages) await toMime(await convertMessage({ ...m, attachments: [] }, conversationOf(m)));

    // Most chat is a line of plain text; the generator's messages are richer than typical chat.
    const oneLiners = plain.map((m, i) => ({ ...m, presentationML: `<div data-format="PresentationML" data-version="2.0">ok, ${i} done - see you at ${i % 24}:00 &amp; thanks</div>`, entityJSON: '' }));

    // Each comparison is interleaved item by item, so that whatever else the machine does at
    // that moment slows both sides alike.
    clearPurifyCache();
    const render = await timeEach(plain, async (m) => {
      renderPresentationML(m.presentationML, m.entityJSON, { members: new Map(conversationOf(m).members.map((p) => [p.userId, p])) });
    });
    clearPurifyCache();
    const cpuBefore = process.cpuUsage();
    const convertOnly = await timeEach(plain, async (m) => {
      convertMessage(m, conversationOf(m));
    });
    const cpu = process.cpuUsage(cpuBefore);
    // Per second of this process's CPU time: what one free core would do, whatever the load.
    const convertPerCpu = plain.length / ((cpu.user + cpu.system) / 1e6);
    clearPurifyCache();
    const [full, bare] = await compare(plain, conversationOf);
    clearPurifyCache();
    const [plainText, barePlain] = await compare(oneLiners, conversationOf);
    clearPurifyCache();
    const [fullFiles, bareFiles] = await compare(withFiles, conversationOf);
    const attachmentBytes = withFiles.reduce((n, m) => n + m.attachments.reduce((k, a) => k + (a.size ?? 0), 0), 0);

    const rate = (n: number) => Math.round(n);
    // Other work on a shared machine shows up directly in msg/s; the load says how much.
    const load = `load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`;
    return [
      { name: 'machine load during the run', value: Number(os.loadavg()[0]?.toFixed(1)), unit: 'load', note: load },
      { name: 'PresentationML → HTML + text (allow-list + sanitize-html)', value: rate(render), unit: 'msg/s', note: `${plain.length} generated messages` },
      { name: 'CapturedMessage → ConvertedEmail', value: rate(convertOnly), unit: 'msg/s' },
      { name: 'CapturedMessage → ConvertedEmail, per CPU second', value: rate(convertPerCpu), unit: 'msg/CPU-s', note: 'process CPU time (includes GC threads)' },
      { name: 'convert + .eml, no attachments', value: rate(full), unit: 'msg/s' },
      { name: 'convert + .eml, one line of plain text', value: rate(plainText), unit: 'msg/s', note: `bare MailComposer on the same: ${rate(barePlain)} msg/s` },
      { name: 'bare MailComposer, no attachments', value: rate(bare), unit: 'msg/s', note: 'the same e-mails composed with MailComposer defaults (conversion time not counted)' },
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

/** Lets the event loop turn, as the pipeline does between pages. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Items per second, from the time spent on each item. */
async function timeEach<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<number> {
  let spent = 0;
  for (const [i, item] of items.entries()) {
    if (i % 100 === 0) await turn();
    const start = performance.now();
    await work(item);
    spent += performance.now() - start;
  }
  return items.length / (spent / 1000);
}

/**
 * Items per second of our conversion + .eml against the bare MailComposer baseline, timed
 * alternately per item. The baseline composes the e-mail already converted (untimed), so it
 * measures composition alone.
 */
async function compare(items: readonly CapturedMessage[], conversationOf: (m: CapturedMessage) => Conversation): Promise<[number, number]> {
  let ours = 0;
  let bare = 0;
  for (const [i, item] of items.entries()) {
    if (i % 100 === 0) await turn();
    let start = performance.now();
    const email = await convertMessage(item, conversationOf(item));
    await toMime(email);
    ours += performance.now() - start;
    start = performance.now();
    await bareCompose(email);
    bare += performance.now() - start;
  }
  return [items.length / (ours / 1000), items.length / (bare / 1000)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runConvertBench());
}
