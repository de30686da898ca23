import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiverError } from '../../shared/errors';
import type { Connector } from '../../shared/contract';
import { type Core } from '../../electron/core/app/core';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { captureRepoReader } from '../../electron/core/convert/reader';
import { silentLogger } from '../../electron/core/platform/logger';
import { CaptureRepository, type StoredMessage } from '../../electron/core/store/repos/capture';
import { captureBySource } from '../../electron/core/symphony/sources';
import { TestWorld, addConnector } from '../support/world';
import { expectSame } from '../fixtures/convert/expect-same';
import { mimeDefects, parseWithMailparser, parseWithPostalMime } from '../fixtures/convert/mime-check';

/**
 * The whole path a real item takes: the Symphony emulator's generated pod (its own PresentationML
 * generator, with hostile content), captured by the real capture stage into the store, converted
 * and previewed through the contract.
 */
describe('converting a captured pod and previewing through the contract', () => {
  const temp = new TestWorld('convert-pod-');
  let core: Core;
  let connector: Connector;
  let items: StoredMessage[] = [];

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'convert', conversations: 25, messages: 900, attachments: 40, internalUsers: 20, externalUsers: 5, maxAttachmentBytes: 64 * 1024 });
    core = temp.core();
    connector = addConnector(core.store, { pod });
    await captureBySource({ store: core.store, connector, paths: { spool: core.paths.spool }, logger: silentLogger });
    items = [...new CaptureRepository(core.store).iterateItems(connector.id)];
  });
  afterAll(() => temp.dispose());

  it('every captured message becomes an e-mail both parsers read back exactly, without defects', async () => {
    expect(items.length).toBe(900);
    const reader = captureRepoReader(new CaptureRepository(core.store));
    let withAttachments = 0;
    let edits = 0;
    for (const item of items) {
      const found = reader.getMessage(connector.id, item.id);
      if (!found) throw new Error(`item ${item.id} not readable`);
      const email = await convertMessage(found.message, found.conversation);
      const eml = await toMime(email);
      expect(mimeDefects(eml), email.archiveKey).toEqual([]);
      expectSame(await parseWithMailparser(eml), email, 'mailparser');
      expectSame(await parseWithPostalMime(eml), email, 'postal-mime');
      expect(email.html).not.toMatch(/<script|<iframe|<style|\son[a-z]+=|javascript:/i);
      if (email.attachments.length > 0) withAttachments++;
      if (item.replacesMessageId) edits++;
    }
    expect(withAttachments).toBeGreaterThan(10);
    expect(edits).toBeGreaterThan(0);
  });

  it('preview.item shows exactly the .eml that preview.eml returns', async () => {
    const sample = [items[0], items.find((i) => i.attachments.length > 0), items.find((i) => i.replacesMessageId)].filter((i): i is StoredMessage => !!i);
    expect(sample.length).toBe(3);
    for (const item of sample) {
      const preview = await core.dispatcher.invoke('preview.item', { connectorId: connector.id, itemId: item.id });
      const file = await core.dispatcher.invoke('preview.eml', { connectorId: connector.id, itemId: item.messageId });
      const eml = Buffer.from(file.base64, 'base64');
      expect(preview.emlBytes).toBe(eml.length);
      expect(file.filename).toMatch(/^\d{8}T\d{6}Z_[A-Za-z0-9_-]+\.eml$/);
      const parsed = await parseWithMailparser(eml);
      expect(preview.mode).toBe('per-message');
      expect(preview.archiveKey).toBe(`${connector.id}:m:${item.messageId}`);
      expect(parsed.subject).toBe(preview.subject);
      expect(parsed.from).toEqual(preview.from);
      expect(parsed.to).toEqual(preview.to);
      expect(parsed.html).toBe(preview.html);
      expect(parsed.text).toBe(preview.text.replace(/\n+$/, ''));
      expect(parsed.attachments.map((a) => a.sha256).sort()).toEqual(preview.attachments.map((a) => a.sha256).sort());
      expect(preview.headers.map((h) => h.name)).toEqual(expect.arrayContaining(['X-Symphony-Message-Id', 'X-Symphony-Stream-Id', 'X-Symphony-Source-SHA256', 'Message-ID', 'Date', 'From', 'Subject']));
      expect(preview.headers.find((h) => h.name === 'X-Symphony-Source-SHA256')?.value).toBe(item.sourceSha256);
      expect(preview.headers.find((h) => h.name === 'Message-ID')?.value).toBe(parsed.messageId);
    }
  });

  it('in daily-transcript mode the preview is the transcript of the item\'s UTC day', async () => {
    const item = items[Math.floor(items.length / 2)] as StoredMessage;
    core.connectors.update(connector.id, { settings: { ...connector.settings, conversion: { mode: 'daily-transcript', exportFolder: '' } } });
    const preview = await core.dispatcher.invoke('preview.item', { connectorId: connector.id, itemId: item.id });
    const day = new Date(item.timestamp).toISOString().slice(0, 10);
    expect(preview.mode).toBe('daily-transcript');
    expect(preview.day).toBe(day);
    expect(preview.archiveKey).toBe(`${connector.id}:d:${item.streamId}:${day}`);
    const sameDay = items.filter((i) => i.streamId === item.streamId && new Date(i.timestamp).toISOString().slice(0, 10) === day);
    expect(preview.headers.find((h) => h.name === 'X-Symphony-Message-Count')?.value).toBe(String(sameDay.length));
    core.connectors.update(connector.id, { settings: connector.settings });
  });

  it('an unknown item or connector is a typed not-found error', async () => {
    const missing = await core.dispatcher.dispatch('preview.item', { connectorId: connector.id, itemId: 'no-such-message' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found', target: 'no-such-message' } });
    await expect(core.dispatcher.invoke('preview.eml', { connectorId: 'nope', itemId: 1 })).rejects.toBeInstanceOf(ArchiverError);
    const bad = await core.dispatcher.dispatch('preview.item', { connectorId: connector.id, itemId: -3 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });
});
