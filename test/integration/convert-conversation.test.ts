import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '@microsoft/microsoft-graph-types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapturedMessage, Conversation } from '../../electron/core/model/captured';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { conversationTitle } from '../../electron/core/convert/envelope';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { enqueueDeliveries, importDeliveries } from '../../electron/core/graph/importer';
import { PR_CONVERSATION_INDEX, PR_CONVERSATION_TOPIC } from '../../electron/core/graph/message';
import { generatePod } from '../fixtures/convert/generate';
import { threadFolder } from '../fixtures/convert/threader';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';

/**
 * Issue #16: a reviewer follows a conversation. Fifty messages of one stream, with all their
 * different subjects, are imported through the Graph emulator and read back over HTTP: every item
 * carries the same PR_CONVERSATION_TOPIC and PR_CONVERSATION_INDEX. Their .eml files, threaded the
 * way a mail reader threads (JWZ over Python's parse), form one conversation.
 */
describe('one conversation identity per Symphony stream', () => {
  let temp: TestWorld;
  let world: ImportWorld | undefined;
  beforeEach(() => {
    temp = new TestWorld('convert-conversation-');
  });
  afterEach(async () => {
    await temp.dispose();
  });

  it('50 messages share one conversation on the Graph items and one thread in a mail reader', async () => {
    const pod = generatePod({ seed: 1650, spool: path.join(temp.dir, 'spool'), conversations: 1, messagesPerConversation: 50 });
    const conversation = pod.conversations[0] as Conversation;
    const byId = new Map(pod.messages.map((m) => [m.messageId, m]));
    const emails = new Map<string, ConvertedEmail>();
    for (const message of pod.messages) {
      const original = message.replacesMessageId ? byId.get(message.replacesMessageId) : undefined;
      const email = await convertMessage(message, conversation, original ? { original } : {});
      emails.set(email.archiveKey, email);
    }
    expect(emails.size).toBe(50);
    expect(new Set([...emails.values()].map((e) => e.subject)).size).toBeGreaterThan(40);
    expect(pod.messages.some((m: CapturedMessage) => m.replacesMessageId)).toBe(true);

    world = await startImportWorld(temp, { mailboxes: 1 });
    const mailbox = world.mailboxes[0] as string;
    for (const key of emails.keys()) enqueueDeliveries(world.store, world.connector.id, key, [mailbox]);
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
    expect(summary).toMatchObject({ delivered: 50, failed: 0 });

    const user = world.emulator.directory.findUser(mailbox)!;
    const ids = [...world.emulator.directory.mailboxes.get(user.id)!.messages.keys()];
    expect(ids).toHaveLength(50);
    const read = async (id: string, property: string) => {
      const response = await world!.graph.request<Message>({
        method: 'GET', path: `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(id)}`, mailbox,
        query: { $expand: `singleValueExtendedProperties($filter=id eq '${property}')` },
      });
      return response.body.singleValueExtendedProperties?.[0]?.value;
    };
    const topics = new Set<string | null | undefined>();
    const indexes = new Set<string | null | undefined>();
    for (const id of ids) {
      topics.add(await read(id, PR_CONVERSATION_TOPIC));
      indexes.add(await read(id, PR_CONVERSATION_INDEX));
    }
    expect([...topics]).toEqual([conversationTitle(conversation)]);
    expect(indexes.size).toBe(1);
    const index = Buffer.from([...indexes][0] ?? '', 'base64');
    // MS-OXOMSG 2.2.1.3: a 22-byte header block, reserved byte 0x01.
    expect([index.length, index[0]]).toEqual([22, 1]);

    const folder = path.join(temp.dir, 'eml');
    fs.mkdirSync(folder);
    for (const email of emails.values()) {
      const eml = await toMime(email);
      const head = eml.toString('latin1').split('\r\n\r\n')[0] ?? '';
      expect(head).toContain(`Thread-Index: ${index.toString('base64')}`);
      expect(head).toMatch(/^Thread-Topic: /m);
      expect(email.subject.startsWith(`${conversationTitle(conversation)} - `)).toBe(true);
      fs.writeFileSync(path.join(folder, `${email.archiveKey.replace(/[^A-Za-z0-9_-]/g, '_')}.eml`), eml);
    }
    const threads = threadFolder(folder);
    if (!threads) return console.warn('python3 not found: the mail-reader threading check is skipped');
    expect(threads).toHaveLength(1);
    expect(threads[0]?.messages).toHaveLength(50);
    expect(threads[0]?.root).toBe(`<stream.${conversation.streamId}@acme.symphony.com.symphony.archive>`);
  });
});
