import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptArchiveKey, utcDay } from '../../electron/core/convert/ids';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { CaptureRepository } from '../../electron/core/store/repos/capture';

const DAY = 86_400_000;

/**
 * Daily-transcript mode over the real stages and both emulators: one e-mail per conversation and
 * UTC day, to the members and everyone who wrote that day, once; quiet conversations' last days
 * close once the day is over; a late message for a closed day becomes an addendum, and an open
 * day waits.
 */
describe('pipeline in daily-transcript mode', () => {
  const temp = new TestWorld();
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      // Messages over the ten days before yesterday: every day is over.
      symphony: { seed: 'transcripts', conversations: 12, messages: 400, attachments: 6, internalUsers: 12, externalUsers: 3, maxAttachmentBytes: 16 * 1024, start: Date.now() - 11 * DAY, end: Date.now() - DAY },
      hasMailbox: (i) => i % 2 === 0,
      settings: (settings) => ({ ...settings, conversion: { ...settings.conversion, mode: 'daily-transcript' } }),
      // Pages of 50 items: a day's messages are spread over several pages.
      pipeline: { pageSize: 50 },
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  /**
   * The adapter's rule for a closed day (runs/adapters/transcripts.ts): the day has ended and the
   * conversation's capture checkpoint (its newest message) is past its end, or the day ended more
   * than an hour ago (the settling time). Both halves matter: between 00:00 and 01:00 UTC only the
   * first closes yesterday, so a test that knew only the second failed at that hour.
   */
  const closed = (streamId: string, timestamp: number) => {
    const end = Date.parse(`${utcDay(timestamp)}T00:00:00Z`) + DAY;
    const newest = Math.max(...world.symphony.pod.streams.get(streamId)!.messages.map((m) => m.timestamp));
    return (newest >= end && end <= Date.now()) || end + 3_600_000 <= Date.now();
  };
  const run = async () => (await world.controller.start(world.connector.id, 'manual')).done;

  /** Transcript key → mailboxes, from the pod's model, for messages with `pick(timestamp)`. */
  function expected(pick: (streamId: string, timestamp: number) => boolean, part?: (streamId: string, day: string) => string | undefined): Map<string, string[]> {
    const byKey = new Map<string, Set<bigint>>();
    const members = new Map<string, bigint[]>();
    for (const stream of world.symphony.pod.streams.values()) {
      members.set(stream.id, [...stream.members].filter(([, m]) => !m.left).map(([id]) => id));
      for (const message of stream.messages.filter((m) => pick(stream.id, m.timestamp))) {
        const day = utcDay(message.timestamp);
        const key = transcriptArchiveKey(world.connector.id, stream.id, day, part?.(stream.id, day));
        const people = byKey.get(key) ?? new Set(members.get(stream.id));
        people.add(message.sender);
        byKey.set(key, people);
      }
    }
    const result = new Map<string, string[]>();
    for (const [key, people] of byKey) {
      const boxes = [...people].map((id) => world.symphony.pod.users.get(id)!).filter((u) => !u.external).map((u) => world.tenant.get(u.email.toLowerCase())).filter((b): b is string => !!b);
      if (boxes.length > 0) result.set(key, [...new Set(boxes)].sort());
    }
    return result;
  }

  function landed(): Map<string, number> {
    const pairs = new Map<string, number>();
    for (const { user, message } of world.graphEmulator.directory.allMessages()) {
      const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
      pairs.set(`${key} -> ${user.userPrincipalName}`, (pairs.get(`${key} -> ${user.userPrincipalName}`) ?? 0) + 1);
    }
    return pairs;
  }

  function problems(want: Map<string, string[]>, got: Map<string, number>): string[] {
    const found: string[] = [];
    for (const [key, boxes] of want) {
      for (const box of boxes) {
        if ((got.get(`${key} -> ${box}`) ?? 0) !== 1) found.push(`${key} -> ${box} landed ${got.get(`${key} -> ${box}`) ?? 0} times`);
        got.delete(`${key} -> ${box}`);
      }
    }
    return found;
  }

  it('delivers one transcript per conversation and day, every day of the pod included', async () => {
    // The generator may stamp a few messages today: that day is not over, its transcript waits.
    const open = [...world.symphony.pod.streams.values()].flatMap((st) => st.messages.filter((m) => !closed(st.id, m.timestamp))).length;
    const outcome = await run();
    expect(outcome.error).toBeNull();
    const rec = outcome.result!.reconciliation;
    expect(rec).toMatchObject({ balanced: true, captured: { count: 400 - open }, failed: { count: 0 } });
    const want = expected(closed);
    const got = landed();
    expect(problems(want, got).slice(0, 10)).toEqual([]);
    expect([...got.keys()]).toEqual([]);
    expect(want.size).toBeGreaterThan(30);
  });

  it('turns a late message for a closed day into an addendum, and holds back an open day', async () => {
    // A message that reaches the pod late: stamped after the conversation's last message but on
    // that message's day, which the first run already closed and transcribed.
    const stream = [...world.symphony.pod.streams.values()].find((s) => {
      const last = s.messages.at(-1)?.timestamp;
      return last !== undefined && utcDay(last + 1) === utcDay(last) && closed(s.id, last);
    })!;
    const late = world.symphony.pod.addMessage(stream.id, { timestamp: stream.messages.at(-1)!.timestamp + 1 });
    // Today: the day is not over, so its transcript waits.
    const today = world.symphony.pod.addMessage(stream.id, { timestamp: Date.now() - 1000 });
    const before = landed();
    const outcome = await run();
    // Delivered to everyone with a mailbox; held when a member of the conversation has none yet.
    const people = new Set([...[...stream.members].filter(([, m]) => !m.left).map(([id]) => id), late.sender]);
    const waitsForSomeone = [...people].map((id) => world.symphony.pod.users.get(id)!).some((u) => !u.external && !world.tenant.has(u.email.toLowerCase()));
    expect(outcome.result!.reconciliation).toMatchObject({ balanced: true, captured: { count: 1 }, delivered: { count: waitsForSomeone ? 0 : 1 }, held: { count: waitsForSomeone ? 1 : 0 } });
    expect(outcome.status).toBe(waitsForSomeone ? 'completed-with-problems' : 'succeeded');
    const after = landed();
    for (const pair of before.keys()) after.delete(pair);
    const addendum = [...after.keys()].map((pair) => pair.split(' -> ')[0]!);
    expect(new Set(addendum).size).toBe(1);
    expect(addendum[0]).toMatch(new RegExp(`^${world.connector.id}:d:.+:${utcDay(late.timestamp)}:late-[0-9a-f]{12}$`));
    const { ItemLogRepository } = await import('../../electron/core/store/repos/item-log');
    const items = new ItemLogRepository(world.store);
    const waiting = new CaptureRepository(world.store).itemByMessageId(world.connector.id, today.id)!;
    expect(items.get(world.connector.id, waiting.id)).toBeUndefined();
  });
});
