// A bank's day through the real stages: the real Symphony client reads the emulated pod (member
// streams, 20 ms per answer), the real converter and mapper, the real importer writes to the
// emulated tenant with every documented limit on and 300 ms per create. Both emulators run in a
// child process, so the CPU and memory measured here are the archiver's.
// DAY_SCALE=1 is the day (5,000 users, 250,000 messages); the default runs 1/100 and 4/100
// of it (50 and 200 users); each row names its scale. On this shared 2-core machine the 1/100 day
// took 86 s when it was quiet; under load 10–20 the two took 6 and 25 minutes. `npm run bench -- day`. DAY_HEAP=200 caps
// V8's heap (MiB) to tell retained memory from garbage not yet collected.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { GraphClient } from '../electron/core/graph/client';
import { MailboxThrottle, outlookLimits } from '../electron/core/graph/throttle';
import { GraphDirectory, graphClientRequester } from '../electron/core/mapping/graph-directory';
import { MappingService } from '../electron/core/mapping/resolver';
import { systemClock } from '../electron/core/platform/clock';
import { boundHeapGrowth } from '../electron/core/platform/heap';
import { packageInfo } from '../electron/core/platform/package-root';
import { silentLogger } from '../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../electron/core/platform/paths';
import { createRealStages } from '../electron/core/runs/adapters/real';
import { RunController } from '../electron/core/runs/runner';
import { Store } from '../electron/core/store/database';
import { ConnectorRepository } from '../electron/core/store/repos/connectors';
import { DeliveryRepository } from '../electron/core/store/repos/deliveries';
// Product code and the connector fixtures only: this process is measured as the archiver.
import { addConnector, makeServiceKey } from '../test/support/connector-fixtures';
import { makeTempDir } from '../test/support/tmp';
import type { BenchRow } from './types';
import { runOutcomeWords } from '../shared/contract/run-words';
import { customMappingSchema } from '../shared/contract/mapping';
import { MappingRepository } from '../electron/core/store/repos/mapping';

const FULL_DAY = { users: 5_000, messages: 250_000, conversations: 20_000, attachments: 5_000 };

interface Ready {
  symphonyUrl: string;
  graphUrl: string;
  tenantId: string;
  token: string;
  mailboxes: number;
  messages: number;
  fallbackMailbox: string;
  serviceAccountId: string;
}

/** One day of `scale` × the full day in a fresh world; returns its rows. */
async function runDay(scale: number): Promise<BenchRow[]> {
  const users = Math.round(FULL_DAY.users * scale);
  const label = `day × ${scale} (${users.toLocaleString('en')} users)`;
  // As every host does through the Core: this process stands for the archiver.
  boundHeapGrowth();
  const temp = makeTempDir('archiver-day-');
  const child = fork(path.join(packageInfo().root, 'test', 'support', 'day-emulators.ts'), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    const key = makeServiceKey(temp.dir);
    child.send({
      type: 'start',
      graphLatencyMs: 300,
      publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }),
      symphony: {
        seed: `day-${scale}`,
        internalUsers: users,
        externalUsers: Math.max(1, Math.round(users / 20)),
        conversations: Math.round(FULL_DAY.conversations * scale),
        messages: Math.round(FULL_DAY.messages * scale),
        attachments: Math.round(FULL_DAY.attachments * scale),
        maxAttachmentBytes: 2 * 1024 * 1024,
        latencyMs: 20,
      },
    });
    const [ready] = (await once(child, 'message')) as [Ready];
    const paths = ensureAppPaths(appPaths(temp.dir));
    const store = Store.open(paths.database);
    const connectors = new ConnectorRepository(store);
    const added = addConnector(store, { pod: { url: ready.symphonyUrl, keyPath: key.privateKeyPath }, tenant: { tenantId: ready.tenantId, url: ready.graphUrl } });
    // The archiver's own service account is a member of every conversation it reads and has no
    // mailbox: the officer excludes it (docs/mapping.md), or every item waits for it.
    new MappingRepository(store).insertCustom(added.id, customMappingSchema.parse({ symphonyUserId: ready.serviceAccountId, exclude: true, note: 'the archiver service account' }), new Date().toISOString());
    const connector = connectors.update(added.id, { settings: { ...added.settings, mapping: { ...added.settings.mapping, mode: 'automatic', fallbackMailbox: ready.fallbackMailbox } } });
    // DAY_MAX_CAP holds the adaptive cap on requests in flight (a diagnostic: memory follows it, docs/scale.md).
    const graph = new GraphClient({ baseUrl: ready.graphUrl, getToken: async () => ready.token, throttle: new MailboxThrottle({ ...outlookLimits, maxGlobalConcurrency: Number(process.env.DAY_MAX_CAP ?? outlookLimits.maxGlobalConcurrency) }) });
    const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph)) });
    const stages = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
    const controller = new RunController({ store, clock: systemClock, logger: silentLogger, connector: (id) => connectors.get(id), stagesFor: () => stages });
    // What the process holds before the day (modules: tsx, the Graph SDK, SQLite): the floor of its peak.
    const rssBefore = process.memoryUsage().rss;
    // Requests in flight and the adaptive cap, sampled: memory follows them (docs/scale.md).
    const most = { inFlight: 0, cap: 0 };
    const sampler = setInterval(() => {
      most.inFlight = Math.max(most.inFlight, graph.throttle.inFlight);
      most.cap = Math.max(most.cap, graph.throttle.globalLimit);
    }, 100);
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const outcome = await (await controller.start(connector.id, 'manual')).done;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuStart);
    await controller.dispose();
    const rec = outcome.result?.reconciliation;
    if (!rec || outcome.error) throw new Error(`the day run did not finish: ${outcome.error ?? outcome.status}`);
    const deliveries = { n: new DeliveryRepository(store).counts(connector.id).delivered };
    store.dispose();
    // The ceiling: each mailbox 4 creates in flight at 300 ms, Graph's per-app 13,000/s over all.
    const ceiling = Math.min((ready.mailboxes * 4) / 0.3, 13_000);
    const rate = deliveries.n / seconds;
    return [
      { name: `${label}: wall time`, value: Math.round(seconds), unit: 's', note: `${ready.messages.toLocaleString('en')} messages, ${deliveries.n.toLocaleString('en')} deliveries to ${ready.mailboxes.toLocaleString('en')} mailboxes; run ${runOutcomeWords(outcome.status, rec)}` },
      { name: `${label}: deliveries per second`, value: Math.round(rate), unit: 'deliveries/s', note: `ratio to the limits' ceiling (${Math.round(ceiling)}/s): ${(rate / ceiling).toFixed(3)}` },
      { name: `${label}: peak RSS`, value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MiB', note: `this process (the archiver); a fresh process per day size; ${Math.round(rssBefore / 2 ** 20)} MiB before the day started` },
      { name: `${label}: most Graph requests in flight`, value: most.inFlight, unit: 'requests', note: `sampled every 100 ms; the adaptive cap grew to ${most.cap} at most (the memory budget bounds it, memory-budget.ts)` },
      { name: `${label}: CPU per 1,000 deliveries`, value: Math.round(((cpu.user + cpu.system) / 1e6 / Math.max(1, deliveries.n)) * 1000 * 100) / 100, unit: 'CPU-s', note: `${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU-s in all` },
    ];
  } finally {
    child.kill('SIGKILL');
    temp.cleanup();
  }
}

/** Each size in a fresh process, so peak RSS is that size's own. */
export async function runDayBench(scales = (process.env.DAY_SCALE ?? '0.01,0.04').split(',').map(Number)): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // The archiver's process runs this file bundled, as the hosts run (scripts/build-node.mjs), not
  // under tsx: tsx's compiler and source cache would be counted in the archiver's peak RSS.
  const bundle = path.join(packageInfo().root, 'dist', 'bench', 'day.bench.mjs');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  for (const scale of scales) {
    const child = fork(bundle, ['--one', String(scale)], { execArgv: process.env.DAY_HEAP ? [`--max-old-space-size=${process.env.DAY_HEAP}`] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [message] = (await once(child, 'message')) as [{ rows?: BenchRow[]; error?: string }];
    if (message.error) throw new Error(message.error);
    rows.push(...message.rows!);
  }
  const rss = rows.filter((r) => r.name.endsWith('peak RSS'));
  if (rss.length >= 2) rows.push({ name: 'peak RSS ratio, largest / smallest day', value: Math.round((rss.at(-1)!.value / rss[0]!.value) * 100) / 100, unit: '×', note: 'expected ≈ 1 (memory flat in the size of the day); goal ≤ 300 MiB' });
  return rows;
}

if (process.argv[2] === '--one') {
  runDay(Number(process.argv[3])).then(
    (rows) => process.send!({ rows }, () => process.exit(0)),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
  );
} else if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  console.table(await runDayBench());
}
