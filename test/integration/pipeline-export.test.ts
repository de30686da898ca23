import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../shared/contract';
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxScheduler, outlookLimits } from '../../electron/core/graph/scheduler';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import { RunController } from '../../electron/core/runs/runner';
import { GraphEmulator } from '../emulators/graph/server';
import { SymphonyEmulator } from '../emulators/symphony';
import { makeConnector, makeServiceKey } from '../support/capture-fixtures';
import { makeTempDir } from '../support/tmp';

/**
 * The export target: with `conversion.exportFolder` set, a run also writes every converted message
 * as an .eml file, one folder per conversation, once, and a second run writes nothing new.
 */
describe('pipeline with an .eml export folder', () => {
  const temp = makeTempDir();
  const exportDir = path.join(temp.dir, 'export');
  let symphony: SymphonyEmulator;
  let graphEmulator: GraphEmulator;
  let store: Store;
  let connector: Connector;
  let controller: RunController;

  beforeAll(async () => {
    symphony = await SymphonyEmulator.start({ seed: 'export', conversations: 6, messages: 120, attachments: 4, internalUsers: 6, externalUsers: 2, maxAttachmentBytes: 8 * 1024 });
    const key = makeServiceKey(temp.dir);
    symphony.registerKey(key.publicKey);
    graphEmulator = new GraphEmulator({ limits: { requestsPerWindow: 10_000_000 } });
    const graphUrl = await graphEmulator.start();
    for (const u of symphony.pod.users.values()) {
      if (!u.external && u.accountType === 'NORMAL') graphEmulator.directory.addUser({ userPrincipalName: `${u.username}@tenant.example`.toLowerCase(), mail: u.email, displayName: u.displayName });
    }
    const paths = ensureAppPaths(appPaths(temp.dir));
    store = Store.open(paths.database);
    const created = makeConnector(store, symphony.url, key.privateKeyPath);
    const connectors = new ConnectorRepository(store);
    connector = connectors.update(created.id, {
      settings: {
        ...created.settings,
        conversion: { ...created.settings.conversion, exportFolder: exportDir },
        microsoft: { ...created.settings.microsoft, tenantId: graphEmulator.tenantId, clientId: 'app', graphBaseUrl: graphUrl },
      },
    });
    const token = await graphEmulator.mintToken();
    const graph = new GraphClient({ baseUrl: graphUrl, getToken: async () => token, scheduler: new MailboxScheduler({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: 30_000 });
    const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph)) });
    const stages = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
    controller = new RunController({ store, clock: systemClock, logger: silentLogger, connector: (id) => connectors.get(id), stagesFor: () => stages });
  });
  afterAll(async () => {
    await controller?.dispose();
    store?.dispose();
    await symphony?.stop();
    await graphEmulator?.stop();
    temp.cleanup();
  });

  const emlFiles = () =>
    fs.readdirSync(exportDir, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => fs.readdirSync(path.join(exportDir, d.name)).map((f) => path.join(exportDir, d.name, f)));

  it('writes each captured message once, in its conversation folder, as a parseable .eml', async () => {
    const result = await (await controller.start(connector.id, 'manual')).done;
    expect(result.status).toBe('succeeded');
    const captured = store.db.prepare('SELECT message_id AS id, stream_id AS stream FROM items WHERE connector_id = ?').all(connector.id) as { id: string; stream: string }[];
    expect(captured.length).toBe(symphony.pod.inventory().messages.size);
    const files = emlFiles();
    expect(files.filter((f) => f.endsWith('.eml')).length).toBe(captured.length);
    expect(files.filter((f) => !f.endsWith('.eml'))).toEqual([]);
    // One folder per conversation, named so the officer recognises it, carrying the stream id.
    const folders = fs.readdirSync(exportDir);
    expect(folders.length).toBe(new Set(captured.map((c) => c.stream)).size);
    const seen = new Set<string>();
    for (const file of files) {
      const parsed = await simpleParser(fs.readFileSync(file));
      const id = String(parsed.headers.get('x-symphony-message-id'));
      const stream = String(parsed.headers.get('x-symphony-stream-id'));
      expect(path.basename(path.dirname(file))).toContain(`[${stream}]`);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
    expect([...seen].sort()).toEqual(captured.map((c) => c.id).sort());
  });

  it('a second run writes nothing new', async () => {
    const before = emlFiles().map((f) => [f, fs.statSync(f).mtimeMs] as const);
    const result = await (await controller.start(connector.id, 'manual')).done;
    expect(result.status).toBe('succeeded');
    expect(emlFiles().map((f) => [f, fs.statSync(f).mtimeMs] as const)).toEqual(before);
  });
});
