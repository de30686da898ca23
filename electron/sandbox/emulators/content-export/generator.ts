import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import yazl from 'yazl';
import { Prng } from '../prng';

/**
 * Produces Symphony Content Export files in EML format: a ZIP with one EML per conversation and
 * an .md5 per EML, named as Symphony names them, plus the .md5 delivered beside the ZIP. Two EML
 * layouts (docs/content-export.md): `messages` (one message/rfc822 part per chat message, with
 * X-Symphony-* id headers) and `transcript` (one message per conversation, no Symphony ids).
 */
export interface GeneratorOptions {
  company?: string;
  /** The exported day, YYYY-MM-DD (UTC). */
  day: string;
  conversations: number;
  /** Messages per conversation (default 1 + index % 4). */
  messagesPer?: (conversation: number) => number;
  layout?: 'messages' | 'transcript';
  /** Every n-th message carries a file attachment (0: none). */
  attachmentEvery?: number;
  /** Add an .md5 entry for each EML inside the ZIP (default true). */
  entryChecksums?: boolean;
  seed?: number;
  /** Generation time in ms (part of the file name). */
  generatedMs?: number;
}

export interface GeneratedMessage {
  messageId: string | null;
  streamId: string;
  timestamp: number;
  senderEmail: string;
  senderUserId: string;
  text: string;
  attachments: { name: string; sha256: string; size: number }[];
}

export interface GeneratedConversation {
  streamId: string | null;
  streamType: 'IM' | 'MIM' | 'ROOM';
  name: string;
  members: { email: string; displayName: string; userId: string }[];
  messages: GeneratedMessage[];
  entry: string;
}

export interface GeneratedExport {
  fileName: string;
  zip: Buffer;
  /** Content of the .md5 delivered beside the ZIP (md5sum format). */
  md5File: string;
  conversations: GeneratedConversation[];
  messageCount: number;
}

const USERS = Array.from({ length: 40 }, (_, i) => ({
  email: `user${i}@acme.example`,
  displayName: `User ${String.fromCharCode(65 + (i % 26))}${i}`,
  userId: `${71811853189000 + i}`,
}));

type ExportUser = (typeof USERS)[number];

/** What every conversation of one export shares: the options, the seeded draws, the day. */
interface ExportRun {
  options: GeneratorOptions;
  layout: 'messages' | 'transcript';
  random: () => number;
  dayStart: number;
  attachmentCounter: number;
}

export async function generateEmlExport(options: GeneratorOptions): Promise<GeneratedExport> {
  const rng = new Prng(options.seed ?? 1);
  const run: ExportRun = { options, layout: options.layout ?? 'messages', random: () => rng.next(), dayStart: Date.parse(`${options.day}T00:00:00Z`), attachmentCounter: 0 };
  const nextDay = new Date(run.dayStart + 86_400_000).toISOString().slice(0, 10);
  const generatedMs = options.generatedMs ?? run.dayStart + 86_400_000 + 60_000;
  const company = options.company ?? 'acme-prod-1';
  const fileName = `e_${company}_SD-${options.day}-00_ED-${nextDay}-00_GD-${nextDay}_${generatedMs}.zip`;
  const zip = new yazl.ZipFile();
  const conversations: GeneratedConversation[] = [];
  for (let c = 0; c < options.conversations; c++) {
    const { conversation, eml } = await generateConversation(run, c);
    zip.addBuffer(eml, conversation.entry, { mtime: new Date(generatedMs) });
    if (options.entryChecksums ?? true) zip.addBuffer(Buffer.from(`${md5(eml)}  ${conversation.entry}\n`), `${conversation.entry}.md5`, { mtime: new Date(generatedMs) });
    conversations.push(conversation);
  }
  zip.end();
  const bytes = await collect(zip.outputStream);
  const messageCount = conversations.reduce((n, c) => n + c.messages.length, 0);
  return { fileName, zip: bytes, md5File: `${md5(bytes)}  ${fileName}\n`, conversations, messageCount };
}

/** Conversation `c`: IM, group chat or room in turn, its messages, and its EML in the export's layout. */
async function generateConversation(run: ExportRun, c: number): Promise<{ conversation: GeneratedConversation; eml: Buffer }> {
  const { options, layout, random } = run;
  const kind = c % 3 === 0 ? 'IM' : c % 3 === 1 ? 'MIM' : 'ROOM';
  const size = kind === 'IM' ? 2 : kind === 'MIM' ? 3 + (c % 2) : 3 + (c % 4);
  const members = pick(USERS, size, random);
  const streamId = layout === 'messages' ? randomId(random) : null;
  const name = kind === 'ROOM' ? `Desk room ${c}` : '';
  const count = options.messagesPer?.(c) ?? 1 + (c % 4);
  const messages: GeneratedMessage[] = [];
  const parts: Buffer[] = [];
  for (let m = 0; m < count; m++) {
    const sender = members[Math.floor(random() * members.length)]!;
    const timestamp = run.dayStart + Math.floor(random() * 86_000_000) + m;
    const text = `Conversation ${c} message ${m}: price ${Math.floor(random() * 10_000)} <ok> & done`;
    const attachments: { filename: string; content: Buffer }[] = [];
    if (options.attachmentEvery && ++run.attachmentCounter % options.attachmentEvery === 0) {
      attachments.push({ filename: `report-${c}-${m}.txt`, content: Buffer.from(`Attachment of conversation ${c} message ${m}\n`.repeat(3)) });
    }
    const messageId = layout === 'messages' ? randomId(random) : null;
    messages.push({ messageId, streamId: streamId ?? '', timestamp, senderEmail: sender.email, senderUserId: sender.userId, text, attachments: attachments.map((a) => ({ name: a.filename, sha256: sha256(a.content), size: a.content.length })) });
    if (layout === 'messages') parts.push(await messagePart(members, sender, name, messageId!, timestamp, text, attachments));
  }
  const eml = layout === 'messages' ? await messagesEml(run, members, name, streamId!, kind, messages, parts) : await transcriptEml(run, c, members, name, messages);
  const entry = `conversation-${String(c).padStart(4, '0')}.eml`;
  return { conversation: { streamId, streamType: kind, name, members, messages, entry }, eml };
}

/** One chat message as a message/rfc822 part, with Symphony's id headers. */
function messagePart(members: ExportUser[], sender: ExportUser, subject: string, messageId: string, timestamp: number, text: string, attachments: { filename: string; content: Buffer }[]): Promise<Buffer> {
  return build({
    from: { name: sender.displayName, address: sender.email },
    to: members.filter((u) => u !== sender).map((u) => ({ name: u.displayName, address: u.email })),
    date: new Date(timestamp),
    subject,
    headers: { 'X-Symphony-Message-Id': messageId, 'X-Symphony-Sender-Id': sender.userId, 'X-Symphony-Timestamp': String(timestamp) },
    text,
    html: `<p>${escapeHtml(text)}</p>`,
    attachments,
  });
}

/** The `messages` layout: the conversation's EML holds one part per chat message. */
function messagesEml(run: ExportRun, members: ExportUser[], subject: string, streamId: string, kind: string, messages: GeneratedMessage[], parts: Buffer[]): Promise<Buffer> {
  return build({
    from: { name: members[0]!.displayName, address: members[0]!.email },
    to: members.slice(1).map((u) => ({ name: u.displayName, address: u.email })),
    date: new Date(run.dayStart),
    subject,
    headers: { 'X-Symphony-Stream-Id': streamId, 'X-Symphony-Stream-Type': kind },
    text: `Symphony conversation export, ${messages.length} messages.`,
    attachments: parts.map((p, i) => ({ content: p, contentType: 'message/rfc822', contentDisposition: 'attachment' as const, filename: `${messages[i]!.messageId}.eml` })),
  });
}

/**
 * The `transcript` layout: one message per conversation holding the transcript, without Symphony
 * ids: the reader stores it as one item with derived ids.
 */
function transcriptEml(run: ExportRun, c: number, members: ExportUser[], subject: string, messages: GeneratedMessage[]): Promise<Buffer> {
  const lines = messages.map((m) => `[${new Date(m.timestamp).toISOString()}] ${m.senderEmail}: ${m.text}`);
  const all = messages.flatMap((m, i) => m.attachments.map((a) => ({ filename: a.name, content: Buffer.from(`Attachment of conversation ${c} message ${i}\n`.repeat(3)) })));
  return build({
    from: { name: members[0]!.displayName, address: members[0]!.email },
    to: members.slice(1).map((u) => ({ name: u.displayName, address: u.email })),
    date: new Date(run.dayStart + 3_600_000),
    subject,
    text: lines.join('\n'),
    attachments: all,
  });
}

/** A ZIP with Symphony XML content, to check that unsupported formats are refused by name. */
export async function generateXmlExport(day: string, company = 'acme-prod-1'): Promise<{ fileName: string; zip: Buffer }> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('<?xml version="1.0"?><export><message/></export>'), 'conversation-0000.xml');
  zip.end();
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { fileName: `s_${company}_SD-${day}-00_ED-${next}-00_GD-${next}_${Date.parse(`${next}T00:01:00Z`)}.zip`, zip: await collect(zip.outputStream) };
}

export async function pgpKeyPair(passphrase: string): Promise<{ privateKey: string; publicKey: string }> {
  const openpgp = await import('openpgp');
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Archiver', email: 'archiver@acme.example' }], passphrase, format: 'armored' });
  return { privateKey, publicKey };
}

/** Encrypts a file as Symphony's export does when PGP is configured (binary by default). */
export async function pgpEncrypt(data: Buffer, publicKeyArmored: string, armored = false): Promise<Buffer> {
  const openpgp = await import('openpgp');
  const encryptionKeys = await openpgp.readKey({ armoredKey: publicKeyArmored });
  const message = await openpgp.createMessage({ binary: new Uint8Array(data) });
  if (armored) return Buffer.from(await openpgp.encrypt({ message, encryptionKeys, format: 'armored' }));
  return Buffer.from(await openpgp.encrypt({ message, encryptionKeys, format: 'binary' }));
}

function build(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function pick<T>(list: readonly T[], n: number, random: () => number): T[] {
  const copy = [...list];
  const out: T[] = [];
  while (out.length < n) out.push(copy.splice(Math.floor(random() * copy.length), 1)[0]!);
  return out;
}

function randomId(random: () => number): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  return bytes.toString('base64url');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
