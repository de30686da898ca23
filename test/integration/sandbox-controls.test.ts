import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunProgress, RunStatus } from '../../shared/contract';
import { silentLogger } from '../../electron/core/platform/logger';
import { launchSandbox, type SandboxLaunch } from '../../electron/sandbox/launch';
import { makeTempDir } from '../support/tmp';

/**
 * The sandbox's failure controls (issue 20), each through the real pipeline against the sandbox's
 * emulated pod and tenant, and each seen where the monitor reads it: the run's status and books
 * (runs.get, runs.blocked) and its live progress (runs.progress events, as the page receives them).
 */
describe('sandbox failure controls, as the monitor shows them', () => {
  const temp = makeTempDir('archiver-sandbox-controls-');
  let sandbox: SandboxLaunch;
  let connectorId: string;
  const progress: RunProgress[] = [];

  beforeAll(async () => {
    sandbox = await launchSandbox({ dataDir: path.join(temp.dir, 'sandbox'), host: 'test', logger: silentLogger, size: 'small' });
    connectorId = (await sandbox.core.dispatcher.invoke('connectors.list', {})).find((c) => c.enabled)!.id;
    sandbox.core.events.subscribe((name, payload) => {
      if (name === 'runs.progress') progress.push(payload as RunProgress);
    });
  });
  afterAll(async () => {
    await sandbox?.core.dispose();
    await sandbox?.world.stop();
    temp.cleanup();
  });

  const control = (c: Parameters<typeof sandbox.core.dispatcher.invoke<'sandbox.control'>>[1]) => sandbox.core.dispatcher.invoke('sandbox.control', c);

  /** Runs the connector once, as Run now does, and returns the finished run as the monitor reads it. */
  async function runOnce(): Promise<RunDetail & { live: RunProgress[] }> {
    const { runId } = await sandbox.core.dispatcher.invoke('runs.start', { connectorId });
    let status: RunStatus = 'running';
    await expect
      .poll(async () => (status = (await sandbox.core.dispatcher.invoke('runs.get', { runId, conversationsOffset: 0, conversationsLimit: 1 })).status), { timeout: 120_000, interval: 100 })
      .not.toBe('running');
    const detail = await sandbox.core.dispatcher.invoke('runs.get', { runId, conversationsOffset: 0, conversationsLimit: 200 });
    expect(detail.status).toBe(status);
    return { ...detail, live: progress.filter((p) => p.runId === runId) };
  }

  it('archives the floor first, with nothing retried', async () => {
    const first = await runOnce();
    expect(first.status).toBe('succeeded');
    expect(first.reconciliation!.delivered.count).toBeGreaterThan(50);
    expect(Object.values(first.progress).every((p) => !p.retries)).toBe(true);
  });

  it('throttling the tenant: the run waits out the 429s, says so while it waits, and counts them', async () => {
    await control({ action: 'throttle', on: true });
    await control({ action: 'sendMessages', count: 20 });
    const run = await runOnce();
    await control({ action: 'throttle', on: false });
    expect(run.status).toBe('succeeded');
    expect(run.reconciliation!.delivered.count).toBe(20);
    expect(run.progress.import!.retries).toBeGreaterThan(0);
    // While it waited, the page was told why and until when.
    const waits = run.live.map((p) => p.stages.import?.retrying).filter((r) => r !== null && r !== undefined);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.reason).toMatch(/429/);
    expect(Date.parse(waits[0]!.until)).not.toBeNaN();
  });

  it("dropping the pod's network: capture waits for the pod to come back, says so, and the run completes", async () => {
    // The view's button drops it for a minute; three seconds show the same without a slow test.
    const state = await control({ action: 'dropPod', seconds: 3 });
    expect(state.podOfflineUntil).not.toBeNull();
    await control({ action: 'sendMessages', count: 5 });
    const run = await runOnce();
    expect(run.status).toBe('succeeded');
    expect(run.reconciliation!.captured.count).toBe(5);
    expect(run.progress.capture!.retries).toBeGreaterThan(0);
    const waits = run.live.map((p) => p.stages.capture?.retrying).filter((r) => r !== null && r !== undefined);
    expect(waits[0]!.reason).toMatch(/network/);
    expect((await control({ action: 'throttle', on: false })).podOfflineUntil).toBeNull();
  });

  it('adding people to the pod: they get mailboxes, and the next run archives their first messages into them', async () => {
    const before = await control({ action: 'throttle', on: false });
    const after = await control({ action: 'addPeople', count: 3 });
    expect(after.podPeople).toBe(before.podPeople + 3);
    const hires = after.mailboxes.filter((m) => m.displayName.startsWith('New Hire'));
    expect(hires).toHaveLength(3);
    const run = await runOnce();
    expect(run.status).toBe('succeeded');
    expect(run.reconciliation!.captured.count).toBe(3);
    for (const hire of hires) {
      const box = await sandbox.core.dispatcher.invoke('sandbox.mailbox', { userPrincipalName: hire.userPrincipalName });
      // Each hears at least their own hello in the Rates Desk.
      expect(box.items.map((i) => i.preview).join('\n')).toContain(`${hire.displayName} here`);
    }
  });

  it('a mailbox that refuses writes: the run completes with problems and names the mailbox and the fix', async () => {
    // The busiest mailbox, and new traffic in every conversation (fewer than 20 in the small floor).
    const busiest = (await sandbox.core.dispatcher.invoke('sandbox.state', {})).mailboxes.reduce((a, b) => (b.items > a.items ? b : a));
    const state = await control({ action: 'refuseWrites', userPrincipalName: busiest.userPrincipalName, on: true });
    const refusing = state.mailboxes.find((m) => m.refusesWrites)!;
    expect(refusing.userPrincipalName).toBe(busiest.userPrincipalName);
    await control({ action: 'sendMessages', count: 20 });
    const run = await runOnce();
    expect(run.status).toBe('completed-with-problems');
    expect(run.reconciliation!.blockedMailboxes.map((m) => m.mailbox)).toContain(refusing.userPrincipalName);
    const blocked = await sandbox.core.dispatcher.invoke('runs.blocked', { connectorId });
    expect(blocked.mailboxes).toEqual([expect.objectContaining({ mailbox: refusing.userPrincipalName, reason: 'access-denied', fix: expect.stringContaining('RBAC for Applications') })]);
  });
});
