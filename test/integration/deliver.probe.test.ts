import { afterEach, describe, expect, it } from 'vitest';
import type { ImportVerification, ProbeMethodResult } from '../../shared/contract';
import { GraphClient } from '../../electron/core/graph/client';
import { verifyImport } from '../../electron/core/deliver/probe';
import { systemClock } from '../../electron/core/platform/clock';
import { ImportVerificationRepository } from '../../electron/core/store/repos/import-verifications';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import { appPaths } from '../../electron/core/platform/paths';
import type { Logger } from '../../electron/core/platform/logger';
import { TestWorld } from '../support/world';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';

const ADVANCED = ['Mail.ReadWrite', 'User.Read.All', 'Mail-Advanced.ReadWrite.All'];

function held(result: ProbeMethodResult): Record<string, boolean | null> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c.held]));
}

describe('Check import over the Graph emulator', () => {
  let temp: TestWorld;
  let world: ImportWorld | undefined;
  afterEach(() => temp?.dispose());

  async function probe(options: { refuseAttachmentsOnNonDraft: boolean; roles: string[] }): Promise<{ verification: ImportVerification; world: ImportWorld }> {
    temp = new TestWorld();
    world = await startImportWorld(temp, { mailboxes: 1, emulator: { refuseAttachmentsOnNonDraft: options.refuseAttachmentsOnNonDraft } });
    const token = await world.emulator.mintToken({ roles: options.roles });
    const graph = new GraphClient({ baseUrl: world.emulator.baseUrl, getToken: async () => token, retry: { baseMs: 20, maxMs: 200 } });
    const verification = await verifyImport({ store: world.store, connector: world.connector, graph, clock: systemClock, dir: temp.dir }, world.mailboxes[0]!);
    return { verification, world };
  }

  function leftOver(w: ImportWorld): number {
    return [...w.emulator.directory.allMessages()].length;
  }

  it('measures each method where the tenant allows attachments on non-drafts, and verifies JSON create', async () => {
    const { verification, world: w } = await probe({ refuseAttachmentsOnNonDraft: false, roles: ADVANCED });
    const [json, mime] = verification.methods;
    expect(json!.method).toBe('graph-json');
    expect(held(json!)).toEqual({
      created: true, 'non-draft': true, 'sent-date': true, 'received-date': true, 'message-class': true, 'custody-headers': true,
      'message-id': true, threading: true, conversation: null, 'large-attachment': true, 'small-attachment': true, deleted: true,
    });
    expect(json!.held).toBe(true);
    // importMime: non-draft with every header, but the class and received date are Exchange's, and 3.2 MB is too much for one request.
    expect(held(mime!)).toMatchObject({ created: true, 'non-draft': true, 'sent-date': true, 'received-date': false, 'message-class': false, 'custody-headers': true, 'message-id': true, threading: true, 'large-attachment': false, 'small-attachment': true, deleted: true });
    expect(mime!.checks.find((c) => c.name === 'message-class')!.actual).toBe('IPM.Note');
    expect(mime!.checks.find((c) => c.name === 'large-attachment')!.actual).toMatch(/refused for size \(413/);
    expect(mime!.held).toBe(true);
    expect(verification).toMatchObject({ configuredMethod: 'graph-json', verifiedMethod: 'graph-json', mailbox: w.mailboxes[0] });
    expect(new ImportVerificationRepository(w.store).get(w.connector.id)).toEqual(verification);
    expect(leftOver(w)).toBe(0);
    expect(w.emulator.importMime.counters.patches).toEqual([]);
  });

  it('reports attachments refused on non-drafts and leaves the JSON method unverified', async () => {
    const { verification, world: w } = await probe({ refuseAttachmentsOnNonDraft: true, roles: ADVANCED });
    const json = verification.methods[0]!;
    expect(held(json)).toMatchObject({ created: true, 'non-draft': true, 'large-attachment': false, 'small-attachment': true, deleted: true });
    expect(json.checks.find((c) => c.name === 'large-attachment')!.actual).toMatch(/refused: .*draft/i);
    expect(json.held).toBe(false);
    expect(verification.verifiedMethod).toBeNull();
    expect(verification.methods[1]!.held).toBe(true);
    expect(leftOver(w)).toBe(0);
  });

  it('says which permission importMime lacks, with the fix', async () => {
    const { verification, world: w } = await probe({ refuseAttachmentsOnNonDraft: false, roles: ['Mail.ReadWrite', 'User.Read.All'] });
    const mime = verification.methods[1]!;
    expect(mime.held).toBe(false);
    expect(held(mime)).toEqual({ created: false });
    expect(mime.error).toMatch(/Mail-Advanced\.ReadWrite\.All.*admin consent.*Check import again/);
    expect(verification.methods[0]!.held).toBe(true);
    expect(leftOver(w)).toBe(0);
  });

  it('a run says in its log when its import method was never verified, and stops saying it once it is', async () => {
    temp = new TestWorld();
    world = await startImportWorld(temp, { mailboxes: 1 });
    const w = world;
    const warnings: string[] = [];
    const logger: Logger = { error: () => undefined, info: () => undefined, debug: () => undefined, warn: (m) => void warnings.push(m), scope: () => logger };
    // The import stage needs no mapping; the map stage is not run here.
    const stages = createRealStages({ store: w.store, paths: appPaths(temp.dir), logger, clock: systemClock, mapping: undefined as never, graphFor: () => w.graph }, w.connector);
    const ctx = { connector: w.connector, runId: 1, signal: new AbortController().signal, clock: systemClock, logger, progress: () => undefined };
    await stages.import.run(ctx);
    expect(warnings.join('\n')).toMatch(/import method graph-json is not verified on this tenant: Check import was never run/);
    const token = await w.emulator.mintToken({ roles: ADVANCED });
    const graph = new GraphClient({ baseUrl: w.emulator.baseUrl, getToken: async () => token, retry: { baseMs: 20, maxMs: 200 } });
    await verifyImport({ store: w.store, connector: w.connector, graph, clock: systemClock, dir: temp.dir }, w.mailboxes[0]!);
    warnings.length = 0;
    await stages.import.run(ctx);
    expect(warnings.filter((m) => /not verified/.test(m))).toEqual([]);
  });
});
