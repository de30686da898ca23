import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { blockFixes, type Reconciliation } from '../../shared/contract';
import { runOutcomeDetail } from '../../shared/contract/run-words';
import { main } from '../../electron/host/cli';
import { launchChromium, PAGE_LOCALE, RUN_WAIT_MS, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

async function zipEntries(file: string): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z!))));
  const entries = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream!.on('data', (c: Buffer) => chunks.push(c));
        stream!.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/**
 * Issue 13 in the browser: one participant's mailbox answers "access denied" (a mis-scoped RBAC
 * assignment) and another participant has no mailbox at all. The run is amber, *completed with
 * problems*, with the counts in words; the blocked mailbox is listed with its reason and fix; the
 * Monitor, the CLI's `status`, the run's CSV and its ZIP report the same numbers. Once the tenant
 * is fixed, *Re-check and resend* in the Monitor lands exactly the blocked items.
 */
describe('import monitor: a blocked mailbox, amber status, resend from the UI', () => {
  let world: World;
  let browser: Browser;
  let page: Page;
  let connectorId: string;
  let denied: string;
  let missing: string;

  beforeAll(async () => {
    browser = await launchChromium();
    const seed = { seed: 'monitor-blocked', conversations: 4, messages: 40, attachments: 2, internalUsers: 4, externalUsers: 0 };
    // Pick the two people from a first look at the pod (same seed, same pod).
    const { SymphonyEmulator } = await import('../../electron/sandbox/emulators/symphony');
    const probe = await SymphonyEmulator.start(seed);
    const people = [...probe.pod.users.values()].filter((u) => !u.external && u.accountType === 'NORMAL').sort((a, b) => (a.id < b.id ? -1 : 1));
    await probe.stop();
    denied = people[0]!.email;
    missing = people[1]!.email;
    world = await startWorld({ browser: () => browser, pod: seed, withoutMailbox: [missing], mailboxStates: { [denied]: 'denied' } });
    connectorId = await createCertificateConnector(world, 'Acme pod');
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(20_000);
    await page.goto(world.app.host.url + '#monitor');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const messagesIn = (upn: string) => world.graph.directory.mailboxes.get(world.graph.directory.findUser(upn)!.id)?.messages.size ?? 0;
  let rec: Reconciliation;

  it('shows the run amber, with the blocked mailbox, its reason and its fix', async () => {
    await page.getByTestId('run-now').click();
    const status = page.getByTestId('last-run-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: RUN_WAIT_MS }).toBe('completed-with-problems');
    await expect.poll(() => status.textContent()).toBe('completed with problems');
    await expect.poll(() => status.getAttribute('class')).toContain('badge-warn');
    const [run] = (await world.app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 5 })).runs;
    rec = run!.reconciliation!;
    expect(rec.balanced).toBe(true);
    expect(rec.deliveries.blocked).toBeGreaterThan(0);
    expect(rec.deliveries.held).toBeGreaterThan(0);
    expect(rec.blockedMailboxes.map((m) => m.mailbox)).toEqual([denied]);
    // The counts in words, the same everywhere.
    const words = runOutcomeDetail(rec);
    expect(words).toContain(`${rec.deliveries.blocked} deliveries blocked (${denied}: access denied)`);
    await expect.poll(() => page.getByTestId('last-run-words').textContent()).toContain(words);
    const bar = page.getByTestId('status-last-run');
    await expect.poll(() => bar.getAttribute('class')).toBe('status-warn');
    await expect.poll(() => bar.textContent()).toBe(`Last run completed with problems: ${words}`);

    const row = page.getByTestId('blocked-mailbox');
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.getAttribute('data-mailbox')).toBe(denied);
    await expect.poll(() => row.getAttribute('data-reason')).toBe('access-denied');
    await expect.poll(() => row.textContent()).toContain('not allowed to write');
    await expect.poll(() => row.textContent()).toContain(blockFixes['access-denied']);
    await expect.poll(() => page.getByTestId('blocked-mailboxes').getByRole('heading').textContent()).toBe(`1 mailbox cannot be written: ${rec.deliveries.blocked} deliveries blocked`);
    expect(messagesIn(denied)).toBe(0);
    await screenshot(page, 'monitor-blocked-mailbox');
  });

  it('reports the same numbers in the run detail, the CLI status, the CSV and the ZIP', async () => {
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    const cell = (id: string) => page.getByTestId(id).locator('td').first().textContent();
    await expect.poll(() => cell('rec-deliveries-blocked')).toBe(rec.deliveries.blocked.toLocaleString(PAGE_LOCALE));
    const d = rec.deliveries;
    await expect.poll(() => cell('rec-deliveries-planned')).toBe(d.planned.toLocaleString(PAGE_LOCALE));
    await expect.poll(() => cell('rec-deliveries-delivered')).toBe(d.delivered.toLocaleString(PAGE_LOCALE));
    await expect.poll(() => cell('rec-deliveries-held')).toBe(d.held.toLocaleString(PAGE_LOCALE));
    await expect.poll(() => cell('rec-items-captured')).toBe(rec.captured.count.toLocaleString(PAGE_LOCALE));
    await expect.poll(() => cell('rec-items-blocked')).toBe(rec.blocked.count.toLocaleString(PAGE_LOCALE));
    await expect.poll(() => cell('rec-items-held')).toBe(rec.held.count.toLocaleString(PAGE_LOCALE));
    expect(d.planned).toBe(d.delivered + d.alreadyThere + d.partial + d.blocked + d.failed + d.held + d.skipped + d.open);
    await expect.poll(() => page.getByTestId('rec-blocked-mailbox').textContent()).toContain(blockFixes['access-denied']);

    // The CLI over the same data folder says the same words, and names the blocked mailbox.
    const lines: string[] = [];
    const errors: string[] = [];
    expect(await main(['status'], { out: (l) => lines.push(l), err: (l) => errors.push(l) }, { SYMPHONY_ARCHIVER_HOME: world.app.dataDir })).toBe(0);
    expect(lines[0]).toContain(`last run 1 completed with problems at`);
    expect(lines[0]).toContain(runOutcomeDetail(rec));
    expect(lines[1]).toBe(`  blocked: ${denied}, ${rec.deliveries.blocked} deliveries waiting. ${rec.blockedMailboxes[0]!.message} Fix: ${blockFixes['access-denied']}`);

    // The CSV and the ZIP of the run: one line per blocked and per delivered delivery.
    const csvFile = await world.app.core.dispatcher.invoke('runs.downloadLog', { runId: 1, format: 'csv' });
    const csv = Papa.parse<Record<string, string>>(fs.readFileSync(csvFile.path, 'utf8').trim(), { header: true }).data;
    expect(csv.filter((r) => r.event === 'blocked').length).toBe(d.blocked);
    expect(csv.filter((r) => r.event === 'blocked').every((r) => r.mailbox === denied)).toBe(true);
    expect(csv.filter((r) => r.event === 'delivered').length).toBe(d.delivered + d.alreadyThere);
    expect(csv.every((r) => r.run_id === '1')).toBe(true);
    const zipFile = await world.app.core.dispatcher.invoke('runs.downloadLog', { runId: 1, format: 'zip', destination: path.join(world.app.dataDir, 'run-1.zip') });
    const entries = await zipEntries(zipFile.path);
    const base = path.basename(csvFile.path, '.csv');
    expect(JSON.parse(entries.get(`${base}-reconciliation.json`)!)).toEqual(rec);
    const jsonl = entries.get(`${base}-items.jsonl`)!.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string | number>);
    expect(jsonl.length).toBe(csv.length);
    expect(jsonl.filter((r) => r.event === 'blocked').length).toBe(d.blocked);
    // Identifiers exactly as stored: the JSON Lines and the CSV agree on every message id.
    expect(csv.map((r) => r.message_id)).toEqual(jsonl.map((r) => String(r.message_id)));
  });

  it('re-checks and resends from the UI once the tenant is fixed: exactly the blocked items land', async () => {
    const before = messagesIn(denied);
    world.graph.directory.setMailboxState(world.graph.directory.findUser(denied)!, 'enabled');
    await page.getByRole('button', { name: `Re-check and resend ${denied}` }).click();
    await expect.poll(() => page.getByTestId('resend-result').textContent()).toContain(`${rec.deliveries.blocked} deliveries are being sent now`);
    await expect.poll(() => page.getByTestId('last-run').textContent(), { timeout: RUN_WAIT_MS }).toContain('Last run 2');
    const status = page.getByTestId('last-run-status');
    await expect.poll(() => status.getAttribute('data-status')).not.toBe('running');
    expect(messagesIn(denied) - before).toBe(rec.deliveries.blocked);
    // Run 2 answers only for the blocked items. They land; one that also waits for the participant
    // without a mailbox stays held (amber), the others are delivered (green when none waits).
    const run2 = (await world.app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 1 })).runs[0]!;
    const r2 = run2.reconciliation!;
    expect(r2).toMatchObject({ balanced: true, captured: { count: rec.blocked.count }, blocked: { count: 0 }, failed: { count: 0 } });
    expect(r2.delivered.count + r2.held.count).toBe(rec.blocked.count);
    // Per delivery the run counts every delivery of its items, those made by run 1 too.
    expect(r2.deliveries).toMatchObject({ blocked: 0, failed: 0, open: 0, partial: 0 });
    expect(r2.deliveries.planned).toBe(r2.deliveries.delivered + r2.deliveries.alreadyThere + r2.deliveries.held);
    expect(run2.status).toBe(r2.held.count > 0 ? 'completed-with-problems' : 'succeeded');
    await expect.poll(() => status.getAttribute('data-status')).toBe(run2.status);
    await expect.poll(() => page.getByTestId('blocked-mailboxes').count()).toBe(0);
    expect((await world.app.core.dispatcher.invoke('runs.blocked', { connectorId })).mailboxes).toEqual([]);
    // Every copy once: no duplicate archive key in the mailbox.
    const keys = [...world.graph.directory.mailboxes.get(world.graph.directory.findUser(denied)!.id)!.messages.values()].map((m) => JSON.stringify(m.extended));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
