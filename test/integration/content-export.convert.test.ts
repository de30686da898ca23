import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { pollContentExport } from '../../electron/core/symphony/content-export/ingest';
import { contentExportSettingsSchema } from '../../shared/contract/content-export';
import { generateEmlExport } from '../../electron/sandbox/emulators/content-export/generator';
import { makeTempDir } from '../support/tmp';

const temp = makeTempDir('content-export-convert-');
afterAll(() => temp.cleanup());

describe('Content Export items through the converter', () => {
  it('become e-mails like member-stream items: sender, recipients, text and attachment bytes', async () => {
    const drop = path.join(temp.dir, 'drop');
    fs.mkdirSync(drop);
    const day = await generateEmlExport({ day: '2026-09-14', conversations: 6, attachmentEvery: 2, seed: 14 });
    fs.writeFileSync(path.join(drop, day.fileName), day.zip);
    const store = Store.open(path.join(temp.dir, 'a.db'));
    const connectorId = new ConnectorRepository(store).create('Convert').id;
    const settings = contentExportSettingsSchema.parse({ transport: 'folder', localDir: drop, minFileAgeSeconds: 0 });
    await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings, store, spoolDir: path.join(temp.dir, 'spool') });

    const capture = new CaptureRepository(store);
    let withAttachments = 0;
    for (const conversation of day.conversations) {
      for (const message of conversation.messages) {
        const item = capture.itemByMessageId(connectorId, message.messageId!)!;
        const stored = capture.itemWithConversation(item.id)!;
        const email = await convertMessage(stored.item, stored.conversation);
        const parsed = await simpleParser(await toMime(email));
        expect(parsed.from?.value[0]?.address).toBe(message.senderEmail);
        const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address));
        expect(to.sort()).toEqual(conversation.members.filter((m) => m.email !== message.senderEmail).map((m) => m.email).sort());
        expect(parsed.text).toContain(message.text);
        expect(parsed.attachments.map((a) => [a.filename, createHash('sha256').update(a.content).digest('hex')])).toEqual(message.attachments.map((a) => [a.name, a.sha256]));
        if (message.attachments.length > 0) withAttachments++;
      }
    }
    expect(withAttachments).toBeGreaterThan(0);
    store.dispose();
  });
});
