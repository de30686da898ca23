import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../shared/contract';
import { convertMessage } from '../../electron/core/convert/message';
import { captureRepoReader } from '../../electron/core/convert/reader';
import { silentLogger } from '../../electron/core/platform/logger';
import { type Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DatahoseRepository } from '../../electron/core/store/repos/datahose';
import { captureBySource } from '../../electron/core/symphony/sources';
import { LARGE_ID_BASE } from '../../electron/sandbox/emulators/symphony/model';
import { type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, addConnector } from '../support/world';
import { currentMemberIds, storedItems, storedParticipants } from '../support/store-reads';

/**
 * Every user id of the pod above 2^53 (2^53 + 1 for the service account, odd steps after): none
 * survives a double, so each id field must be carried as text from the wire to the e-mail.
 */
describe.each(['streams', 'datahose'] as const)('ids above 2^53 through the %s reader', (source) => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let store: Store;
  let connector: Connector;

  beforeAll(async () => {
    const pod = await temp.pod({ seed: `large-ids-${source}`, largeIds: true, conversations: 6, messages: 150, attachments: 2, internalUsers: 8, externalUsers: 3, datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, waitMs: 10 } });
    emulator = pod.emulator;
    store = temp.store();
    connector = addConnector(store, { pod, source: source });
    // A suppression by a user whose id is above 2^53 (Datahose records who suppressed).
    const stream = [...emulator.pod.streams.values()].find((s) => s.messages.length > 0)!;
    emulator.pod.suppress(stream.id, stream.messages[0]!.id, [...emulator.pod.users.keys()].at(-1)!);
  });
  afterAll(async () => {
    store.dispose();
    await emulator.stop();
    await temp.dispose();
  });

  it('stores senders, members, participants, mentions and suppressions with their exact ids', async () => {
    expect(emulator.pod.serviceAccount.id).toBe(LARGE_ID_BASE);
    expect([...emulator.pod.users.keys()].every((id) => id > 2n ** 53n && Number(id).toString() !== id.toString())).toBe(true);
    const summary = await captureBySource({ store, connector: new ConnectorRepository(store).get(connector.id), paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger });
    expect(summary.items.new).toBe(150);
    // Every user was found in the directory by its exact id (GET /pod/v3/users?uid=…).
    expect(summary.users.unresolved).toBe(0);

    const podUsers = new Set([...emulator.pod.users.keys()].map(String));
    const capture = new CaptureRepository(store);
    for (const s of emulator.pod.streams.values()) {
      for (const m of s.messages) expect(capture.itemByMessageId(connector.id, m.id)!.sender.userId).toBe(m.sender.toString());
      expect(currentMemberIds(store, connector.id, s.id)).toEqual([...s.members.entries()].filter(([, m]) => !m.left).map(([id]) => id.toString()).sort());
    }
    const participants = storedParticipants(store, connector.id);
    expect(participants.length).toBeGreaterThan(0);
    for (const p of participants) expect(podUsers.has(p.userId), p.userId).toBe(true);
    // Mentions keep their digits in the stored EntityJSON.
    const mentioned = storedItems(store, connector.id).filter((i) => i.entityJSON.includes('com.symphony.user.mention'));
    expect(mentioned.length).toBeGreaterThan(0);
    for (const item of mentioned) for (const [digits] of item.entityJSON.matchAll(/\d{16,}/g)) expect(podUsers.has(digits), digits).toBe(true);
    if (source === 'datahose') {
      const datahose = new DatahoseRepository(store);
      const suppressed = [...emulator.pod.streams.values()].flatMap((st) => st.messages.filter((m) => m.suppressed).map((m) => m.id));
      expect(datahose.suppressionCount(connector.id)).toBe(1);
      expect([...datahose.suppressionsOf(connector.id, suppressed).values()].map((x) => x.suppressedBy)).toEqual([[...emulator.pod.users.keys()].at(-1)!.toString()]);
      expect(new DatahoseRepository(store).openGaps(connector.id)).toEqual([]);
    }
  });

  it('names each mentioned member from the member list found by the exact id', async () => {
    const reader = captureRepoReader(new CaptureRepository(store));
    let checked = 0;
    for (const item of new CaptureRepository(store).iterateItems(connector.id)) {
      const found = reader.getMessage(connector.id, item.id)!;
      const entities = JSON.parse(item.entityJSON.replace(/(\d{16,})/g, '"$1"')) as Record<string, { type?: string; id?: { value: string }[] }>;
      const members = new Map(found.conversation.members.map((m) => [m.userId, m]));
      const email = await convertMessage(found.message, found.conversation);
      for (const entity of Object.values(entities)) {
        if (entity.type !== 'com.symphony.user.mention') continue;
        const member = members.get(entity.id![0]!.value);
        if (!member?.email) continue;
        // The mention carries the member's address: the lookup by id found them.
        expect(email.html).toContain(`title="${member.email}"`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
