import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository, type NewItem } from '../../electron/core/store/repos/capture';
import { CaptureWriter } from '../../electron/core/store/repos/capture-writer';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { contentExportSource } from '../../electron/core/symphony/content-export/source';
import { datahoseSource } from '../../electron/core/symphony/datahose/source';
import { captureSources, type SourceRegistry } from '../../electron/core/symphony/sources';
import { streamsSource } from '../../electron/core/symphony/streams/source';
import { symphonySourceSchema } from '../../shared/contract/capture';
import { makeTempDir } from '../support/tmp';

const temp = makeTempDir('capture-writer-');
afterAll(() => temp.cleanup());
let opened = 0;

/** A fresh real SQLite file with one connector. */
function open(): { store: Store; writer: CaptureWriter; capture: CaptureRepository; connectorId: string } {
  const store = Store.open(path.join(temp.dir, `w${++opened}.db`));
  const connectorId = new ConnectorRepository(store).create(`Writer ${opened}`).id;
  return { store, writer: new CaptureWriter(store, connectorId, 'acme.symphony.com'), capture: new CaptureRepository(store), connectorId };
}

const sender = { userId: '71811853189120', email: 'ann@acme.example', displayName: 'Ann', external: false };

function item(n: number, attachments: NewItem['attachments'] = []): NewItem {
  return { messageId: `m${n}`, timestamp: 1_760_000_000_000 + n, sender, presentationML: `<div>${n}</div>`, entityJSON: '{}', replacesMessageId: null, sourceJson: `{"n":${n}}`, sourceSha256: `s${n}`, attachments };
}

const room = (streamId: string, name: string) => ({ streamId, streamType: 'ROOM' as const, name, external: false, crossPod: false, active: true, lastModified: null });

describe('the capture writer', () => {
  it('commits a batch and the position it reaches together, or neither when either fails', () => {
    const { store, writer, capture, connectorId } = open();
    const batch = {
      conversations: [room('s1', 'Desk')],
      participants: [{ participant: { ...sender, displayName: 'Ann Archer' }, resolved: true }],
      memberLists: [{ streamId: 's1', members: [{ userId: sender.userId, isOwner: true, joinDate: 1 }] }],
      items: [1, 2, 3].map((n) => ({ streamId: 's1', item: item(n) })),
    };
    // The position fails to move (here: refused by SQLite): nothing of the batch may stay.
    expect(() => writer.write(batch, () => store.db.prepare('INSERT INTO checkpoints (connector_id, stream_id, since, skip, updated_at) VALUES (?, ?, NULL, 0, ?)').run(connectorId, 's1', 'now'))).toThrow(/NOT NULL/);
    expect(capture.counts(connectorId)).toMatchObject({ items: 0, conversations: 0 });
    expect(capture.conversations.participant(connectorId, sender.userId)).toBeUndefined();

    const written = writer.write(batch, (w) => {
      capture.conversations.setCheckpoint(connectorId, 's1', { since: 3, skip: 1 });
      return w.inserted;
    });
    expect(written).toMatchObject({ inserted: 3, position: 3, newConversations: ['s1'] });
    expect(capture.conversations.checkpoint(connectorId, 's1')).toEqual({ since: 3, skip: 1 });
    expect(capture.itemWithConversation(capture.itemByMessageId(connectorId, 'm1')!.id)?.conversation).toMatchObject({ name: 'Desk', members: [{ userId: sender.userId, displayName: 'Ann Archer' }] });
    store.dispose();
  });

  it('stores each message once and counts it new once, however the items are split, repeated and ordered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ n: fc.integer({ min: 0, max: 30 }), stream: fc.constantFrom('s1', 's2') }), { maxLength: 20 }), { maxLength: 8 }),
        (writes) => {
          const { store, writer, capture, connectorId } = open();
          try {
            writer.write({ conversations: [room('s1', 'One'), room('s2', 'Two')] });
            let reportedNew = 0;
            const firstStream = new Map<number, string>();
            for (const batch of writes) {
              for (const { n, stream } of batch) if (!firstStream.has(n)) firstStream.set(n, stream);
              reportedNew += writer.write({ items: batch.map(({ n, stream }) => ({ streamId: stream, item: item(n) })) }).inserted;
            }
            expect(reportedNew).toBe(firstStream.size);
            expect(capture.counts(connectorId).items).toBe(firstStream.size);
            // The first source to store a message wins; a later copy changes nothing.
            for (const [n, stream] of firstStream) expect(capture.itemByMessageId(connectorId, `m${n}`)?.streamId).toBe(stream);
          } finally {
            store.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves a known conversation and its members as they are for a source that only creates (onlyIfAbsent)', () => {
    const { store, writer, capture, connectorId } = open();
    writer.write({ conversations: [room('s1', 'Desk')], memberLists: [{ streamId: 's1', members: [{ userId: '1', isOwner: true, joinDate: 5 }] }], participants: [{ participant: { ...sender, userId: '1' }, resolved: true }] });
    const written = writer.write({
      conversations: [{ ...room('s1', 'Renamed by an export'), onlyIfAbsent: true }, { ...room('s2', 'New'), onlyIfAbsent: true }],
      participants: [{ participant: { ...sender, userId: '2', email: 'bob@acme.example' }, resolved: false }],
      memberships: [
        { streamId: 's1', userId: '1', current: true, onlyIfAbsent: true },
        { streamId: 's1', userId: '2', current: true, onlyIfAbsent: true },
      ],
    });
    expect(written.newConversations).toEqual(['s2']);
    const desk = capture.conversations.conversation(connectorId, 's1')!;
    expect(desk.name).toBe('Desk');
    expect(desk.members.map((m) => m.userId).sort()).toEqual(['1', '2']);
    expect(capture.conversations.summaries(connectorId).find((c) => c.streamId === 's1')?.members).toBe(2);
    expect(capture.conversations.checkpoint(connectorId, 's1')).toBeUndefined();
    store.dispose();
  });

  it('stores attachments whose bytes came with the item as stored, the others pending or failed', () => {
    const { store, writer, capture, connectorId } = open();
    writer.write({ conversations: [room('s1', 'Desk')] });
    writer.write({
      items: [
        {
          streamId: 's1',
          item: item(1, [
            { attachmentId: 'a', name: 'a.pdf', contentType: 'application/pdf', declaredSize: 3, inline: false },
            { attachmentId: 'b', name: 'b.pdf', contentType: 'application/pdf', declaredSize: 4, inline: false, stored: { size: 4, sha256: 'h', spoolPath: '/spool/b' } },
            { attachmentId: 'c', name: 'c.bin', contentType: 'application/octet-stream', declaredSize: 9e9, inline: false, failure: 'too large' },
          ]),
        },
      ],
    });
    const stored = capture.itemByMessageId(connectorId, 'm1')!;
    expect(stored.attachments.map((a) => [a.attachmentId, a.status, a.size, a.spoolPath])).toEqual([
      ['a', 'pending', null, null],
      ['b', 'stored', 4, '/spool/b'],
      ['c', 'failed', null, null],
    ]);
    expect(capture.pendingAttachments(connectorId).map((a) => a.attachmentId)).toEqual(['a']);
    store.dispose();
  });
});

describe('the source registry', () => {
  it('holds one source per kind the contract offers, each under its own id', () => {
    expect(Object.keys(captureSources).sort()).toEqual([...symphonySourceSchema.options].sort());
    for (const [kind, source] of Object.entries(captureSources)) expect(source.id).toBe(kind);
  });

  it('refuses, at type-check, a registry that misses a kind or files a source under another', () => {
    // @ts-expect-error 'datahose' is missing: a source kind without its line does not compile.
    const missing: SourceRegistry = { streams: streamsSource, 'content-export': contentExportSource };
    // @ts-expect-error the Datahose source filed under 'streams'.
    const misfiled: SourceRegistry = { streams: datahoseSource, datahose: datahoseSource, 'content-export': contentExportSource };
    expect([missing, misfiled]).toHaveLength(2);
  });
});
