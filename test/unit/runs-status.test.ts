import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { reasonWords, reconciliationSchema, runReasonCodes, type ConnectorRunStatus } from '../../shared/contract';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { runLockName } from '../../electron/core/runs/runner';
import { main, type CliIo } from '../../electron/host/cli';
import { makeTempDir } from '../support/tmp';

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

/**
 * `status` after a crash: a run left `running` by a process that no longer exists is shown as
 * interrupted at once (not "running" until another run takes the lock), with the last
 * reconciliation in one line per connector, and as JSON for machines. Status writes nothing.
 */
describe('status of a run whose process died', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  const env = { SYMPHONY_ARCHIVER_HOME: temp.dir };

  it('says interrupted with the reason, prints the last reconciliation in one line, and --json', async () => {
    const core = new Core({ dataDir: temp.dir, host: 'test', logger: silentLogger });
    const connector = core.connectors.create('Acme Pod');
    const runs = new RunRepository(core.store);
    // An earlier run that finished, with its books.
    const done = runs.create({ connectorId: connector.id, trigger: 'schedule', owner: 'old', nowMs: Date.now() - 3_600_000 });
    const cb = (count: number) => ({ count, bytes: count * 100 });
    runs.finish(done.id, {
      status: 'succeeded',
      nowMs: Date.now() - 3_000_000,
      reconciliation: reconciliationSchema.parse({
        captured: cb(7),
        delivered: cb(5),
        failed: cb(0),
        held: cb(0),
        skipped: { ...cb(2), byReason: { unmapped: 2 } },
        unaccounted: cb(0),
        deliveries: { planned: 9, delivered: 9, alreadyThere: 0, partial: 0, blocked: 0, failed: 0, held: 0, skipped: 0, open: 0 },
        balanced: true,
        problems: [],
        read: 7,
      }),
    });
    // A run whose process was killed: its row says running, its lock names a pid that is gone.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const orphan = runs.create({ connectorId: connector.id, trigger: 'cli', owner: 'killed-owner', nowMs: Date.now() - 60_000 });
    runs.setStage(orphan.id, 'import');
    core.store.db.prepare('INSERT INTO locks (name, owner, pid, hostname, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?)').run(runLockName(connector.id), 'killed-owner', dead, os.hostname(), Date.now() - 60_000, Date.now() - 10_000);
    await core.dispose();

    const text = capture();
    expect(await main(['status'], text, env)).toBe(0);
    expect(text.lines).toHaveLength(1);
    expect(text.lines[0]).toMatch(
      new RegExp(`^Acme Pod: idle; last run ${orphan.id} interrupted at \\S+: no reconciliation \\(The process running it \\(pid ${dead} on ${os.hostname()}\\) no longer exists\\. The next run resumes its work\\.\\); next: `),
    );

    const json = capture();
    expect(await main(['status', '--json'], json, env)).toBe(0);
    const statuses = JSON.parse(json.lines.join('\n')) as ConnectorRunStatus[];
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ name: 'Acme Pod', current: null, last: { id: orphan.id, status: 'interrupted', stage: 'import', error: { code: runReasonCodes.interrupted } } });
    // The line above is that reason in the one rendering.
    expect(text.lines[0]).toContain(`(${reasonWords(statuses[0]!.last!.error!)})`);

    // Status only reads: the row is still `running` until a run takes the lock over.
    const after = new Core({ dataDir: temp.dir, host: 'test', logger: silentLogger });
    expect(new RunRepository(after.store).get(orphan.id)!.status).toBe('running');
    // Once the next run has marked it, the last finished run's books are the line.
    new RunRepository(after.store).markInterrupted(connector.id, 'someone-else', Date.now());
    after.store.db.prepare('DELETE FROM locks').run();
    new RunRepository(after.store).finish(orphan.id, { status: 'succeeded', nowMs: Date.now(), reconciliation: new RunRepository(after.store).get(done.id)!.reconciliation });
    await after.dispose();
    const line = capture();
    await main(['status'], line, env);
    expect(line.lines[0]).toMatch(/last run \d+ succeeded at \S+: read 7 new message\(s\) from Symphony; 7 items: 5 delivered, 2 skipped; .*skipped because: unmapped 2; balanced; next: /);
  });
});
