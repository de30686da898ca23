import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { ContentExportRepository } from '../../electron/core/store/repos/content-export';
import type { IngestStage } from '../../electron/core/symphony/content-export/ingest';
import { generateEmlExport, type GeneratedExport } from '../../electron/sandbox/emulators/content-export/generator';
import { generateSshKeyPair, startSftpServer, type RunningSftpServer } from '../../electron/sandbox/emulators/sftp/server';
import { makeTempDir } from '../support/tmp';
import { itemTotals } from '../support/store-reads';

const temp = makeTempDir('content-export-crash-');
const root = path.join(temp.dir, 'sftp');
const database = path.join(temp.dir, 'archiver.db');
const spoolDir = path.join(temp.dir, 'spool');
const child = path.resolve('test/support/content-export-ingest-child.ts');
let server: RunningSftpServer;
let connectorId: string;
let settings: Record<string, unknown>;
const exportsByName = new Map<string, GeneratedExport>();

beforeAll(async () => {
  fs.mkdirSync(path.join(root, 'exports'), { recursive: true });
  const key = generateSshKeyPair('archiver');
  fs.writeFileSync(path.join(temp.dir, 'key'), key.privateKey, { mode: 0o600 });
  server = await startSftpServer({ root, users: [{ username: 'archiver', publicKey: key.publicKey }] });
  for (const [i, day] of ['2026-11-02', '2026-11-03', '2026-11-04'].entries()) {
    const generated = await generateEmlExport({ day, conversations: 40, attachmentEvery: 7, seed: 100 + i });
    fs.writeFileSync(path.join(root, 'exports', generated.fileName), generated.zip);
    fs.writeFileSync(path.join(root, 'exports', `${generated.fileName}.md5`), generated.md5File);
    exportsByName.set(generated.fileName, generated);
  }
  const store = Store.open(database);
  connectorId = new ConnectorRepository(store).create('Crash').id;
  store.dispose();
  settings = {
    transport: 'sftp',
    host: server.host,
    port: server.port,
    username: 'archiver',
    privateKeyPath: path.join(temp.dir, 'key'),
    hostKeyFingerprint: server.hostKeyFingerprint,
    remoteDir: '/exports',
    minFileAgeSeconds: 0,
    deleteAfterIngest: true,
  };
});
afterAll(async () => {
  await server.close();
  temp.cleanup();
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(killAt?: { stage: IngestStage; occurrence: number }, killAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      env: { ...process.env, CE_CHILD_CONFIG: JSON.stringify({ database, spoolDir, connectorId, settings, killAt }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * What must hold after any crash: a file is either ingested with all of its items, or none of
 * its items are stored; no attachment is left pending; nothing is stored twice.
 */
function checkInvariants(): { ingested: string[]; items: number } {
  const store = Store.open(database);
  try {
    const capture = new CaptureRepository(store);
    const ledger = new ContentExportRepository(store).files(connectorId);
    const ingested = ledger.filter((f) => f.status === 'ingested').map((f) => f.name);
    expect(new Set(ingested).size).toBe(ingested.length);
    let expected = 0;
    for (const [name, generated] of exportsByName) {
      const messages = generated.conversations.flatMap((c) => c.messages);
      const present = messages.filter((m) => capture.itemByMessageId(connectorId, m.messageId!) !== undefined).length;
      if (ingested.includes(name)) {
        expect(present, name).toBe(messages.length);
        expected += messages.length;
      } else {
        expect(present, name).toBe(0);
      }
    }
    const counts = capture.counts(connectorId);
    expect(counts.items).toBe(expected);
    expect(counts.attachments.pending).toBe(0);
    const totals = itemTotals(store);
    expect(totals.items).toBe(totals.distinct);
    return { ingested, items: counts.items };
  } finally {
    store.dispose();
  }
}

describe('Content Export crash safety', () => {
  it('stores every item exactly once when the ingesting process is SIGKILLed at several points and run again', async () => {
    const kills: { stage: IngestStage; occurrence: number }[] = [
      { stage: 'downloaded', occurrence: 1 },
      { stage: 'parsed', occurrence: 1 },
      { stage: 'stored-uncommitted', occurrence: 1 },
      // Committed but not yet deleted from the server: the next run must only delete it.
      { stage: 'committed', occurrence: 1 },
      { stage: 'downloaded', occurrence: 1 },
      { stage: 'stored-uncommitted', occurrence: 1 },
      { stage: 'deleted', occurrence: 1 },
      { stage: 'parsed', occurrence: 1 },
    ];
    const progress: number[] = [];
    for (const killAt of kills) {
      const result = await runChild(killAt);
      if (result.signal !== 'SIGKILL') {
        // The run finished before reaching the stage: every file is already in.
        expect(result.code, result.stderr).toBe(0);
        break;
      }
      progress.push(checkInvariants().ingested.length);
    }
    // The kills did stop runs part-way, with files committed in between.
    expect(progress.length).toBeGreaterThanOrEqual(6);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBeGreaterThan(0);

    // Two more crashes at whatever moment the process happens to be in.
    for (const delay of [150, 900]) {
      const result = await runChild(undefined, delay);
      expect(result.code === 0 || result.signal === 'SIGKILL', result.stderr).toBe(true);
      checkInvariants();
    }

    const final = await runChild();
    expect(final.code, final.stderr).toBe(0);
    const total = [...exportsByName.values()].reduce((n, g) => n + g.messageCount, 0);
    const after = checkInvariants();
    expect(after.ingested.sort()).toEqual([...exportsByName.keys()].sort());
    expect(after.items).toBe(total);

    const store = Store.open(database);
    const ledger = new ContentExportRepository(store).files(connectorId);
    // Each file's "ingested" record was written once: a killed transaction left no trace.
    expect(ledger.map((f) => [f.status, f.attempts, f.deletedFromSourceAt !== null])).toEqual(ledger.map(() => ['ingested', 1, true]));
    store.dispose();
    expect(fs.readdirSync(path.join(root, 'exports'))).toEqual([]);
    // Nothing half-written is left behind, and each attachment is in the spool once.
    const base = path.join(spoolDir, connectorId, 'content-export');
    expect(fs.readdirSync(path.join(base, 'staging'))).toEqual([]);
    const shas = new Set([...exportsByName.values()].flatMap((g) => g.conversations.flatMap((c) => c.messages.flatMap((m) => m.attachments.map((a) => a.sha256)))));
    expect(fs.readdirSync(path.join(base, 'attachments')).sort()).toEqual([...shas].sort());

    // And one more run finds nothing to do.
    const idle = await runChild();
    expect((JSON.parse(idle.stdout) as { files: unknown[] }).files).toEqual([]);
    expect(checkInvariants().items).toBe(total);
  });
});
