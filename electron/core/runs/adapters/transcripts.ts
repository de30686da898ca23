import { itemReasonCodes, reasonOf, type Connector } from '../../../../shared/contract';
import { utcDay, utcDayStart } from '../../convert/ids';
import type { CapturedItemReader } from '../../convert/reader';
import type { RecentEmails } from '../../convert/recent';
import { estimateMimeSize } from '../../convert/size';
import { convertTranscript, planTranscripts } from '../../convert/transcript';
import type { ConvertedEmail } from '../../model/email';
import type { CaptureRepository, StoredMessage } from '../../store/repos/capture';
import { LoadedPage, refOf } from './loaded-page';
import type { ItemLogRepository } from '../../store/repos/item-log';
import type { CapturedItemRef, ConvertOutcome } from '../stages';
import type { EmlWriter } from '../../deliver/eml-export';

const DAY_MS = 86_400_000;
/** How long after a day's end a message stamped in it may still show up on the pod. */
const SETTLE_MS = 3_600_000;

/** `<connector>:d:<stream>:<day>[:<part>]`, as convert/ids.ts builds it. */
export function isTranscriptKey(connectorId: string, archiveKey: string): boolean {
  return archiveKey.startsWith(`${connectorId}:d:`);
}

function parseKey(connectorId: string, archiveKey: string): { day: string; part?: string } {
  const [, , day, part] = archiveKey.slice(connectorId.length + 1).split(':');
  return { day: day!, part };
}

/**
 * Daily-transcript mode: the items of a page are grouped by conversation and UTC day; a day is
 * converted once it is closed, with all its messages, including those in later pages (returned as
 * `extraItems`). Open days are deferred. A day is closed when it has ended here and the
 * conversation's capture checkpoint is past its end, or — for a conversation that went quiet, whose checkpoint stays on
 * its last message — when this run's capture read the conversation through without error more
 * than an hour after the day ended (capture runs before convert in the same run, at `nowMs`).
 * A message that still turns up for a closed day goes into an addendum (convert's planTranscripts).
 */
export async function convertTranscriptPage(input: {
  capture: CaptureRepository;
  itemLog: ItemLogRepository;
  /** The page being planned: a day's items are read once, and kept with it for mapping. */
  page: LoadedPage;
  connector: Connector;
  items: readonly CapturedItemRef[];
  nowMs: number;
  /** The .eml folder, when the connector exports: each transcript is written before it is planned. */
  writeEml?: EmlWriter;
  /** Where the transcripts converted here are kept for this run's import. */
  recent?: RecentEmails;
}): Promise<ConvertOutcome[]> {
  const { connector, capture, page } = input;
  const conversations = capture.conversations;
  const groups = new Map<string, CapturedItemRef[]>();
  for (const item of input.items) {
    const key = `${item.streamId}\n${utcDay(item.timestamp)}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const outcomes: ConvertOutcome[] = [];
  for (const [key, group] of groups) {
    const [streamId, day] = key.split('\n') as [string, string];
    const from = utcDayStart(day);
    const checkpoint = conversations.checkpoint(connector.id, streamId);
    const readThrough = from + DAY_MS + SETTLE_MS <= input.nowMs && conversations.lastError(connector.id, streamId) === null;
    // Never later than now: a message stamped in the future (a pod's clock ahead of ours) does not
    // close a day that has not ended here yet.
    const closedAt = checkpoint ? Math.min(input.nowMs, Math.max(checkpoint.since, readThrough ? from + DAY_MS : 0)) : 0;
    // An open day waits without reading its items.
    if (!checkpoint || from + DAY_MS > closedAt) {
      group.forEach((item) => outcomes.push({ kind: 'deferred', itemId: item.id }));
      continue;
    }
    const messages = page.streamDay(connector.id, streamId, from, from + DAY_MS);
    const decided = input.itemLog.decided(connector.id, messages.map((m) => m.id));
    if (messages.some((m) => !decided.has(m.id) && m.attachments.some((a) => a.status === 'pending'))) {
      group.forEach((item) => outcomes.push({ kind: 'deferred', itemId: item.id }));
      continue;
    }
    try {
      const found = page.getMessage(connector.id, group[0]!.id);
      if (!found) throw new Error('the conversation of this transcript is missing from the store');
      const transcribed = new Set(messages.filter((m) => decided.has(m.id)).map((m) => m.messageId));
      const byMessageId = new Map(messages.map((m) => [m.messageId, m]));
      const inPage = new Set(group.map((i) => i.id));
      const covered = new Set<number>();
      for (const plan of planTranscripts(messages, closedAt, transcribed)) {
        const { email } = await convertTranscript({ conversation: found.conversation, day: plan.day, messages: plan.messages, part: plan.part });
        // As for single messages: an export that fails makes the transcript fail (retried), never silently absent.
        if (input.writeEml) await input.writeEml(email, found.conversation);
        const rows = plan.messages.map((m) => byMessageId.get(m.messageId)).filter((r): r is StoredMessage => r !== undefined);
        rows.forEach((r) => covered.add(r.id));
        outcomes.push({
          kind: 'email',
          archiveKey: email.archiveKey,
          itemIds: rows.map((r) => r.id),
          bytes: estimateMimeSize(email),
          extraItems: rows.filter((r) => !inPage.has(r.id)).map(refOf),
        });
        // Kept for the import only when it is exactly what loadTranscript would make of the key's items.
        if (rows.length === plan.messages.length) input.recent?.remember(email);
      }
      // Whatever the plan left out (it should not) waits for the next run rather than vanishing.
      group.filter((i) => !covered.has(i.id)).forEach((item) => outcomes.push({ kind: 'deferred', itemId: item.id }));
    } catch (error) {
      const reason = reasonOf(error, itemReasonCodes.conversionFailed, 'Conversion of the transcript failed');
      group.forEach((item) => outcomes.push({ kind: 'failed', itemId: item.id, reason }));
    }
  }
  return outcomes;
}

/** A transcript converted again from the store (for the import, when planning's e-mail is no longer kept): its items read at once. */
export async function loadTranscript(input: { itemLog: ItemLogRepository; capture: CaptureRepository; reader: CapturedItemReader; connector: Connector; archiveKey: string }): Promise<ConvertedEmail> {
  const { day, part } = parseKey(input.connector.id, input.archiveKey);
  const ids = input.itemLog.itemsOfKey(input.connector.id, input.archiveKey);
  const items = new LoadedPage(input.capture, input.reader);
  items.ensure(input.connector.id, ids);
  const found = ids.map((id) => items.getMessage(input.connector.id, id));
  const first = found[0];
  if (!first || found.some((f) => !f)) throw new Error(`the items of transcript ${input.archiveKey} are missing from the store`);
  const { email } = await convertTranscript({ conversation: first.conversation, day, part, messages: found.map((f) => f!.message) });
  if (email.archiveKey !== input.archiveKey) throw new Error(`transcript ${input.archiveKey} converts to a different key (${email.archiveKey})`);
  return email;
}
