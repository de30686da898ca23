import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATAHOSE_EVENT_TYPES, parseEvents } from '../../electron/core/symphony/datahose/events';
import { datahoseTag } from '../../electron/core/symphony/datahose/feed';
import { canonicalJson, parseJson, sha256Hex } from '../../electron/core/symphony/json';

const ctx = { known: () => undefined, maxAttachmentBytes: 150 * 1024 * 1024, streamTypes: ['IM', 'MIM', 'ROOM'] };
const user = { userId: 9007199254740992, displayName: 'Anna Smith', email: 'anna@acme.example.com', username: 'anna' };
const message = (id: string, streamType = 'ROOM') => ({
  messageId: id,
  timestamp: 1_700_000_000_000,
  message: '<div data-format="PresentationML" data-version="2.0"><p>hello</p></div>',
  data: '{}',
  user,
  stream: { streamId: 'ab+c/d==', streamType, roomName: 'Rates desk', external: false, crossPod: false },
  attachments: [{ id: 'internal_130/x+y=', name: 'big.pdf', size: 200 * 1024 * 1024 }],
});
const sent = (id: string, streamType?: string) => ({ id: `e-${id}`, messageId: id, timestamp: 1_700_000_000_000, type: 'MESSAGESENT', initiator: { user }, payload: { messageSent: { message: message(id, streamType) } } });

describe('Datahose events', () => {
  it('turns MESSAGESENT into the member reader\'s item: URL-safe ids, canonical source, refused big files', () => {
    // Parsed from wire text as the client does, so the int64 beyond 2^53 keeps its digits.
    const raw = parseJson(`[${JSON.stringify(sent('m+1/x==')).replace(/9007199254740992/g, '9007199254740993')}]`) as unknown[];
    const out = parseEvents(raw, ctx);
    expect(out.problems).toEqual([]);
    expect(out.items).toHaveLength(1);
    const { streamId, item } = out.items[0]!;
    expect(streamId).toBe('ab-c_d');
    expect(item.messageId).toBe('m-1_x');
    expect(item.sender.userId).toBe('9007199254740993');
    const source = canonicalJson((raw[0] as { payload: { messageSent: { message: unknown } } }).payload.messageSent.message);
    expect(item.sourceJson).toBe(source);
    expect(item.sourceSha256).toBe(sha256Hex(source));
    expect(item.attachments[0]!.failure).toMatch(/over the 150 MB limit/);
    expect(out.conversations).toEqual([{ streamId: 'ab-c_d', streamType: 'ROOM', name: 'Rates desk', external: false, crossPod: false }]);
  });

  it('reports what it cannot use instead of dropping it, and skips conversation kinds the connector does not archive', () => {
    const out = parseEvents(
      [
        { id: 'd1', messageId: 'lost', timestamp: 5, type: 'MESSAGESENT', diagnostic: 'decryption failed', payload: {} },
        { ...sent('broken'), payload: { messageSent: { message: { ...message('broken'), user: undefined } } } },
        sent('post-1', 'POST'),
        { id: 'x', timestamp: 6, type: 'CONNECTIONACCEPTED', payload: {} },
        { nonsense: true },
        { id: 's1', timestamp: 7, type: 'MESSAGESUPPRESSED', initiator: { user: { userId: 42 } }, payload: { messageSuppressed: { messageId: 'gone/1==', stream: { streamId: 'ab+c/d==' } } } },
      ],
      ctx,
    );
    expect(out.items).toEqual([]);
    expect(out.problems.map((p) => p.eventId)).toEqual(['d1', 'e-broken', '#4']);
    expect(out.problems[0]!.message).toMatch(/announced message lost but did not deliver it \(decryption failed\)/);
    expect(out.problems[1]).toMatchObject({ streamId: 'ab-c_d', message: expect.stringMatching(/cannot read/) });
    expect(out.ignored).toBe(2);
    expect(out.suppressions).toEqual([{ messageId: 'gone_1', streamId: 'ab-c_d', suppressedAt: 7, suppressedBy: '42' }]);
    expect(out.newest).toBe(1_700_000_000_000);
  });

  it('follows room names and membership from room events', () => {
    const stream = { streamId: 'r1', streamType: 'ROOM' };
    const out = parseEvents(
      [
        { id: '1', timestamp: 1, type: 'ROOMCREATED', initiator: { user }, payload: { roomCreated: { stream, roomProperties: { name: 'Old', creatorUser: user, external: true } } } },
        { id: '2', timestamp: 2, type: 'USERJOINEDROOM', initiator: { user }, payload: { userJoinedRoom: { stream, affectedUser: { userId: 7, displayName: 'Bo' } } } },
        { id: '3', timestamp: 3, type: 'ROOMUPDATED', initiator: { user }, payload: { roomUpdated: { stream, newRoomProperties: { name: 'New' } } } },
        { id: '4', timestamp: 4, type: 'USERLEFTROOM', initiator: { user }, payload: { userLeftRoom: { stream, affectedUser: { userId: 7 } } } },
        { id: '5', timestamp: 5, type: 'ROOMDEACTIVATED', initiator: { user }, payload: { roomDeactivated: { stream } } },
        { id: '6', timestamp: 6, type: 'INSTANTMESSAGECREATED', initiator: { user }, payload: { instantMessageCreated: { stream: { streamId: 'im1', streamType: 'IM', members: [user, { userId: 8 }] } } } },
      ],
      ctx,
    );
    expect(out.problems).toEqual([]);
    expect(out.conversations.filter((c) => c.streamId === 'r1').map((c) => [c.name, c.active, c.external])).toEqual([
      ['Old', true, true],
      [undefined, undefined, undefined],
      ['New', undefined, undefined],
      [undefined, undefined, undefined],
      [undefined, false, undefined],
    ]);
    expect(out.memberships).toEqual([
      { streamId: 'r1', userId: '9007199254740992', current: true, isOwner: true, joinDate: 1 },
      { streamId: 'r1', userId: '7', current: true, joinDate: 2 },
      { streamId: 'r1', userId: '7', current: false },
      { streamId: 'im1', userId: '9007199254740992', current: true, joinDate: 6 },
      { streamId: 'im1', userId: '8', current: true, joinDate: 6 },
    ]);
    expect(out.streamIds).toEqual(['r1', 'im1']);
  });

  it('follows owners and reactivation, and ignores a type named like an object property', () => {
    const stream = { streamId: 'r1', streamType: 'ROOM' };
    const out = parseEvents(
      [
        { id: '1', timestamp: 1, type: 'ROOMMEMBERPROMOTEDTOOWNER', payload: { roomMemberPromotedToOwner: { stream, affectedUser: { userId: 7 } } } },
        { id: '2', timestamp: 2, type: 'ROOMMEMBERDEMOTEDFROMOWNER', payload: { roomMemberDemotedFromOwner: { stream, affectedUser: { userId: 7 } } } },
        { id: '3', timestamp: 3, type: 'ROOMREACTIVATED', payload: { roomReactivated: { stream, roomProperties: { name: 'Back', external: false } } } },
        // The creator may come in the new properties too (either set is read).
        { id: '4', timestamp: 4, type: 'ROOMCREATED', payload: { roomCreated: { stream: { streamId: 'r2' }, newRoomProperties: { creatorUser: { userId: 8 } } } } },
        { id: '5', timestamp: 5, type: 'constructor', payload: {} },
        { id: '6', timestamp: 6, type: 'toString', payload: { toString: { stream } } },
      ],
      ctx,
    );
    expect(out.problems).toEqual([]);
    expect(out.ignored).toBe(2);
    expect(out.memberships).toEqual([
      { streamId: 'r1', userId: '7', current: true, isOwner: true },
      { streamId: 'r1', userId: '7', current: true, isOwner: false },
      { streamId: 'r2', userId: '8', current: true, isOwner: true, joinDate: 4 },
    ]);
    expect(out.conversations.map((c) => [c.streamId, c.streamType, c.name, c.active, c.external])).toEqual([
      ['r1', 'ROOM', undefined, undefined, undefined],
      ['r1', 'ROOM', undefined, undefined, undefined],
      ['r1', 'ROOM', 'Back', true, false],
      ['r2', 'ROOM', undefined, true, undefined],
    ]);
  });

  it('accounts for every event exactly once: a conversation change, a suppression, a problem or an ignored one', () => {
    // Events of every kind the archiver asks for and some it does not, with payloads that may be
    // missing, of another kind's shape, or complete: none may vanish without a trace.
    const keys = ['messageSent', 'messageSuppressed', 'instantMessageCreated', 'roomCreated', 'roomUpdated', 'userJoinedRoom', 'userLeftRoom', 'roomMemberPromotedToOwner'];
    const member = fc.record({ userId: fc.constantFrom(1, 7, 9007199254740992) });
    const stream = fc.record({ streamId: fc.constantFrom('r1', 'ab+c/d==', ''), streamType: fc.option(fc.constantFrom('IM', 'ROOM', 'POST'), { nil: undefined }), members: fc.option(fc.array(member, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['streamId'] });
    const body = fc.record(
      {
        stream: fc.option(stream, { nil: undefined }),
        affectedUser: fc.option(member, { nil: undefined }),
        roomProperties: fc.option(fc.record({ name: fc.constantFrom('Desk'), creatorUser: member }, { requiredKeys: [] }), { nil: undefined }),
        messageId: fc.option(fc.constantFrom('gone/1=='), { nil: undefined }),
        message: fc.option(fc.constantFrom(message('m1'), message('m2', 'POST'), { ...message('m3'), user: undefined }), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    const event = fc.oneof(
      fc.record({ id: fc.string({ maxLength: 3 }), timestamp: fc.integer({ min: 0, max: 9 }), type: fc.constantFrom(...DATAHOSE_EVENT_TYPES, 'CONNECTIONACCEPTED', 'SHAREDPOST', '__proto__'), payload: fc.dictionary(fc.constantFrom(...keys), body, { maxKeys: 2 }) }, { requiredKeys: ['type'] }),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 10 }), (raw) => {
        const out = parseEvents(raw, { ...ctx, streamTypes: ['IM', 'ROOM'] });
        expect(out.conversations.length + out.suppressions.length + out.problems.length + out.ignored).toBe(raw.length);
        // Every item's and member's stream is one the batch names.
        for (const streamId of [...out.items.map((i) => i.streamId), ...out.memberships.map((m) => m.streamId)]) expect(out.streamIds).toContain(streamId);
        expect(out.participants).toHaveLength(out.memberships.length);
      }),
      { seed: 18, numRuns: 400 },
    );
  });

  it('derives a stable tag within the spec\'s 80 characters', () => {
    const id = '3f2a9c1e-8d4b-4b7a-9e61-0c5d2f7a1b3c';
    expect(datahoseTag(id)).toBe(`symphony-archiver-${id}`);
    expect(datahoseTag(id)).toBe(datahoseTag(id));
    expect(datahoseTag('x'.repeat(200)).length).toBeLessThanOrEqual(80);
    expect(datahoseTag('x'.repeat(200))).not.toBe(datahoseTag('y'.repeat(200)));
  });
});
