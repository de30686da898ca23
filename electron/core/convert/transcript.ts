import type { CapturedMessage, Conversation } from '../model/captured';
import type { ConvertedEmail } from '../model/email';
import { addressOf, conversationTitle, recipientsOf } from './envelope';
import { sha256Hex } from '../platform/hash';
import { archiveDomain, threadRootIdFor, transcriptArchiveKey, transcriptIdFor, headerSafeId, utcDay, utcDayStart } from './ids';
import { cappedSubject, externalNotes, membersById, renderMessageBody, threadOf } from './message';
import { cleanText, normaliseEnvelope, oneLine } from '../model/normalise';
import { escapeHtml } from './presentationml';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TranscriptInput {
  conversation: Conversation;
  /** UTC day, yyyy-mm-dd. */
  day: string;
  /** The messages this transcript carries (any order; all of `day`). */
  messages: CapturedMessage[];
  /** Set for an addendum of late messages (see `planTranscripts`). */
  part?: string;
}

export interface ConvertedTranscript {
  email: ConvertedEmail;
  /** Symphony message ids the transcript carries, in order: what the caller records as transcribed. */
  messageIds: string[];
}

export interface TranscriptPlan {
  day: string;
  part?: string;
  messages: CapturedMessage[];
}

/**
 * Which transcripts a conversation needs now. Late messages are handled this way (docs/convert.md):
 * - a day is transcribed only once it is closed, i.e. it ended at or before the conversation's
 *   capture checkpoint, so the normal flow produces exactly one transcript per day;
 * - a message that still turns up for a closed day after its transcript was produced (a source
 *   that delivers late, a re-read after a restore) goes into an addendum for that day carrying
 *   only the messages not yet transcribed; its part name is a hash of their ids, so the addendum
 *   is as deterministic as the day's first transcript and is never produced twice.
 * `transcribed` is the set of Symphony message ids already carried by a produced transcript.
 */
export function planTranscripts(messages: CapturedMessage[], checkpointMs: number, transcribed: ReadonlySet<string>): TranscriptPlan[] {
  const byDay = new Map<string, CapturedMessage[]>();
  for (const message of messages) {
    const day = utcDay(message.timestamp);
    if (utcDayStart(day) + DAY_MS > checkpointMs) continue;
    const list = byDay.get(day) ?? [];
    list.push(message);
    byDay.set(day, list);
  }
  const plans: TranscriptPlan[] = [];
  for (const day of [...byDay.keys()].sort()) {
    const all = byDay.get(day) ?? [];
    const fresh = all.filter((m) => !transcribed.has(m.messageId));
    if (fresh.length === 0) continue;
    if (fresh.length === all.length) plans.push({ day, messages: fresh });
    else plans.push({ day, part: `late-${sha256Hex(fresh.map((m) => m.messageId).sort().join('\n')).slice(0, 12)}`, messages: fresh });
  }
  return plans;
}

function time(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(11, 19);
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line ? `    ${line}` : '')).join('\n');
}

/** One conversation's day as one e-mail: every message in order with its time, sender and content. */
export async function convertTranscript(input: TranscriptInput): Promise<ConvertedTranscript> {
  const { conversation, day, part } = input;
  const messages = [...input.messages].sort((a, b) => a.timestamp - b.timestamp || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  const first = messages[0];
  if (!first) throw new Error('A transcript needs at least one message.');
  const pod = first.pod;
  const members = membersById(conversation);
  const title = conversationTitle(conversation);
  const archiveKey = transcriptArchiveKey(first.connectorId, conversation.streamId, day, part);

  const htmlEntries: string[] = [];
  const textEntries: string[] = [];
  const attachments: ConvertedEmail['attachments'] = [];
  // An original whose edit is in the same transcript says so; the edit names what it replaces.
  const editedLater = new Set(messages.flatMap((m) => (m.replacesMessageId ? [m.replacesMessageId] : [])));
  let index = 0;
  for (const message of messages) {
    const body = await renderMessageBody(message, members, index);
    index += message.attachments.length;
    attachments.push(...body.attachments);
    const sender = addressOf(message.sender, pod);
    const edited = `${message.replacesMessageId ? ` (edit of ${headerSafeId(message.replacesMessageId)})` : ''}${editedLater.has(message.messageId) ? ' (edited later)' : ''}`;
    htmlEntries.push(
      `<div class="message"><p class="meta"><b>${time(message.timestamp)}</b> ${escapeHtml(sender.name)} &lt;${escapeHtml(sender.address)}&gt;${edited}</p>` +
        `<div class="body" dir="auto">${body.html}</div></div>`,
    );
    textEntries.push(`[${time(message.timestamp)}] ${sender.name} <${sender.address}>${edited}\n${indent(body.text)}`);
  }

  const late = part ? ' (late messages)' : '';
  const heading = `Transcript of ${day} (UTC)${late}, ${messages.length} message${messages.length === 1 ? '' : 's'}`;
  const last = messages[messages.length - 1] ?? first;
  const root = threadRootIdFor(pod, conversation.streamId);
  const external = externalNotes(conversation, pod);
  const subject = cappedSubject(`${title} - transcript ${day}${late}`);
  const envelope = normaliseEnvelope({
    // The conversation speaks for itself: a transcript has many senders, none of them wrote it.
    from: { name: oneLine(title), address: `stream.${headerSafeId(conversation.streamId)}@${archiveDomain(pod)}` },
    to: recipientsOf(conversation, pod),
    cc: [],
    headers: [
      { name: 'X-Symphony-Stream-Id', value: headerSafeId(conversation.streamId) },
      { name: 'X-Symphony-Stream-Type', value: conversation.streamType },
      { name: 'X-Symphony-Pod', value: archiveDomain(pod).replace(/\.symphony\.archive$/, '') },
      { name: 'X-Symphony-Transcript-Day', value: day },
      ...(part ? [{ name: 'X-Symphony-Transcript-Part', value: part }] : []),
      { name: 'X-Symphony-Message-Count', value: String(messages.length) },
      // One hash over each message's own chain-of-custody hash, in transcript order.
      { name: 'X-Symphony-Source-SHA256', value: sha256Hex(messages.map((m) => `${headerSafeId(m.messageId)} ${m.sourceSha256}`).join('\n')) },
      ...external.headers,
      ...(subject.header ? [subject.header] : []),
      { name: 'X-Symphony-Archive-Key', value: archiveKey },
    ],
  });
  const banner = external.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('');
  const email: ConvertedEmail = {
    archiveKey,
    messageId: transcriptIdFor(pod, conversation.streamId, day, part),
    inReplyTo: root,
    references: [root],
    ...envelope,
    subject: subject.subject,
    date: new Date(last.timestamp),
    html: cleanText(`<div dir="auto"><p><b>${escapeHtml(title)}</b><br>${escapeHtml(heading)}</p>${banner}<hr>${htmlEntries.join('<hr>')}</div>`),
    text: cleanText(`${title}\n${heading}\n\n${external.notes.map((note) => `${note}\n\n`).join('')}${textEntries.join('\n\n')}`),
    attachments,
    thread: threadOf(conversation, pod),
  };
  return { email, messageIds: messages.map((m) => m.messageId) };
}
