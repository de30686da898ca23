import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapturedMessage, Conversation } from '../../electron/core/model/captured';
import { toMime } from '../../electron/core/convert/mime';
import { convertTranscript, planTranscripts } from '../../electron/core/convert/transcript';
import { generatePod } from '../fixtures/convert/generate';
import { parseWithMailparser } from '../fixtures/convert/mime-check';
import { makeTempDir } from '../support/tmp';

const DAY = 24 * 60 * 60 * 1000;

describe('daily transcripts', () => {
  const temp = makeTempDir('convert-transcript-');
  afterAll(() => temp.cleanup());
  const pod = generatePod({ seed: 7, spool: path.join(temp.dir, 'spool'), conversations: 3, messagesPerConversation: 30 });
  const conversation = pod.conversations[2] as Conversation;
  const messages = pod.messages.filter((m) => m.streamId === conversation.streamId);
  const days = [...new Set(messages.map((m) => new Date(m.timestamp).toISOString().slice(0, 10)))].sort();
  const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

  it('the fixture spans several UTC days', () => {
    expect(days.length).toBeGreaterThanOrEqual(3);
  });

  it('transcribes only closed days: a day is produced once the checkpoint has passed its end', () => {
    const secondDay = days[1] as string;
    const checkpoint = dayStart(secondDay) + DAY - 1;
    const plans = planTranscripts(messages, checkpoint, new Set());
    expect(plans.map((p) => p.day)).toEqual([days[0]]);
    expect(plans[0]?.part).toBeUndefined();
    const closed = planTranscripts(messages, dayStart(secondDay) + DAY, new Set());
    expect(closed.map((p) => p.day)).toEqual([days[0], days[1]]);
    expect(closed.flatMap((p) => p.messages).length).toBe(messages.filter((m) => m.timestamp < dayStart(secondDay) + DAY).length);
  });

  it('a late message for a transcribed day goes into a deterministic addendum carrying only the late messages', async () => {
    const firstDay = days[0] as string;
    const checkpoint = dayStart(days[days.length - 1] as string);
    const [first] = planTranscripts(messages, checkpoint, new Set());
    if (!first) throw new Error('no plan');
    const base = await convertTranscript({ conversation, day: first.day, messages: first.messages });
    const transcribed = new Set(base.messageIds);
    // Nothing new: nothing to produce for that day again.
    expect(planTranscripts(messages, checkpoint, transcribed).some((p) => p.day === firstDay)).toBe(false);

    const late: CapturedMessage = { ...(first.messages[0] as CapturedMessage), id: 9999, messageId: 'late-message-1', timestamp: dayStart(firstDay) + 5_000, attachments: [] };
    const plan = planTranscripts([...messages, late], checkpoint, transcribed).find((p) => p.day === firstDay);
    expect(plan?.messages.map((m) => m.messageId)).toEqual(['late-message-1']);
    expect(plan?.part).toMatch(/^late-[0-9a-f]{12}$/);
    const again = planTranscripts([late, ...messages].reverse(), checkpoint, transcribed).find((p) => p.day === firstDay);
    expect(again?.part).toBe(plan?.part);

    const addendum = await convertTranscript({ conversation, day: firstDay, messages: plan?.messages ?? [], part: plan?.part });
    expect(addendum.email.archiveKey).toBe(`${base.email.archiveKey}:${plan?.part}`);
    expect(addendum.email.messageId).not.toBe(base.email.messageId);
    expect(addendum.email.subject).toContain('(late messages)');
    expect(addendum.email.references).toEqual(base.email.references);
    expect(addendum.email.headers).toContainEqual({ name: 'X-Symphony-Transcript-Part', value: plan?.part });
  });

  it('one message per conversation per UTC day, each entry with time, sender and content, in order', async () => {
    const day = days[1] as string;
    const ofDay = messages.filter((m) => m.timestamp >= dayStart(day) && m.timestamp < dayStart(day) + DAY);
    const { email, messageIds } = await convertTranscript({ conversation, day, messages: [...ofDay].reverse() });
    expect(messageIds).toEqual(ofDay.map((m) => m.messageId));
    expect(email.archiveKey).toBe(`${conversation.connectorId}:d:${conversation.streamId}:${day}`);
    expect(email.messageId).toBe(`<transcript.${conversation.streamId}.${day}@acme.symphony.com.symphony.archive>`);
    expect(email.date.getTime()).toBe(ofDay[ofDay.length - 1]?.timestamp);
    expect(email.headers).toContainEqual({ name: 'X-Symphony-Message-Count', value: String(ofDay.length) });
    const entries = email.text.split('\n').filter((line) => /^\[\d\d:\d\d:\d\d\] /.test(line));
    expect(entries.length).toBe(ofDay.length);
    entries.forEach((line, i) => {
      const m = ofDay[i] as CapturedMessage;
      expect(line.startsWith(`[${new Date(m.timestamp).toISOString().slice(11, 19)}] ${m.sender.displayName} <`)).toBe(true);
    });
    const parsed = await parseWithMailparser(await toMime(email));
    expect(parsed.attachments.length).toBe(ofDay.reduce((n, m) => n + m.attachments.length, 0));
    expect(new Set(parsed.attachments.map((a) => a.contentId).filter(Boolean)).size).toBe(email.attachments.filter((a) => a.contentId).length);
  });

  it('is byte-identical when converted again, whatever the order the messages come in', async () => {
    const day = days[0] as string;
    const ofDay = messages.filter((m) => m.timestamp < dayStart(day) + DAY);
    const a = await toMime((await convertTranscript({ conversation, day, messages: ofDay })).email);
    const b = await toMime((await convertTranscript({ conversation, day, messages: [...ofDay].reverse() })).email);
    expect(a.equals(b)).toBe(true);
  });
});
