// What one Graph request in flight costs the archiver's process in memory beyond its e-mail's
// counted bytes: the measurement behind REQUEST_OVERHEAD_BYTES (electron/core/graph/memory-budget.ts).
// For each N, a fresh bundled process (as the hosts run) delivers N e-mails to N/4 mailboxes (4 in
// flight each) through the real importer and GraphClient, the adaptive cap held at N, against the
// Graph emulator in another process holding each create 10 s, so that all N are in flight at once.
// Then, after two full collections (--expose-gc), it reads the live heap and RSS; at the end, its
// peak RSS. The slope between two N is the cost of one more request in flight. Not a benchmark of
// `npm run bench` (no *.bench.ts): a diagnostic, mostly waiting, so barely load-sensitive.
// `npx tsx bench/request-memory.ts [N,N,…]` (default 200,800); REQMEM_REPEAT=0 for a tiny body
// (default ≈ 5 KB of HTML), REQMEM_SNAPSHOT=/tmp/x writes a heap snapshot per N at that moment.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { GraphClient } from '../electron/core/graph/client';
import { enqueueDeliveries, importDeliveries } from '../electron/core/graph/importer';
import { deliveryBytes } from '../electron/core/graph/memory-budget';
import { MailboxThrottle, outlookLimits } from '../electron/core/graph/throttle';
import type { ConvertedEmail } from '../electron/core/model/email';
import { boundHeapGrowth } from '../electron/core/platform/heap';
import { packageInfo } from '../electron/core/platform/package-root';
import { Store } from '../electron/core/store/database';
import { addConnector } from '../test/support/connector-fixtures';
import { makeEmail } from '../test/support/import-fixtures';
import { makeTempDir } from '../test/support/tmp';

interface Measured {
  n: number;
  peakRssMiB: number;
  beforeMiB: number;
  /** Requests in flight when measured (all N). */
  inFlight: number;
  heapMiB: number;
  rssMiB: number;
  /** deliveryBytes of one e-mail. */
  countedBytes: number;
  nativeMiB: number;
  seconds: number;
}

async function measure(n: number): Promise<Measured> {
  boundHeapGrowth();
  const temp = makeTempDir('archiver-reqmem-');
  const mailboxes = Array.from({ length: Math.max(1, Math.ceil(n / 4)) }, (_, i) => `user${i}@corp.example`);
  const child = fork(path.join(packageInfo().root, 'test', 'support', 'graph-emulator-process.ts'), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    child.send({ type: 'start', options: { latencyMs: 10_000, limits: { requestsPerWindow: 10_000_000 } }, mailboxes });
    const [ready] = (await once(child, 'message')) as [{ url: string; tenantId: string; token: string }];
    const store = Store.open(path.join(temp.dir, 'archiver.db'));
    const connector = addConnector(store, { name: 'bench', tenant: { tenantId: ready.tenantId, url: ready.url }, microsoft: { authMode: 'certificate' } });
    const throttle = new MailboxThrottle({ ...outlookLimits, globalConcurrency: n, maxGlobalConcurrency: n });
    const graph = new GraphClient({ baseUrl: ready.url, getToken: async () => ready.token, throttle });
    // A body of about 6 KB, as a converted chat message with its HTML; built when loaded, so that
    // no e-mail is held before its delivery starts.
    const filler = '<p>' + 'Quarterly numbers, as discussed. '.repeat(Number(process.env.REQMEM_REPEAT ?? 150)) + '</p>';
    const emailOf = (archiveKey: string): ConvertedEmail => {
      const i = Number(/(\d+)$/.exec(archiveKey)![1]);
      return { ...makeEmail(i), html: filler + i };
    };
    store.transaction(() => {
      for (let i = 0; i < n; i++) enqueueDeliveries(store, connector.id, makeEmail(i).archiveKey, [mailboxes[i % mailboxes.length]!]);
    });
    const before = process.memoryUsage().rss;
    // Every delivery's create in flight at once (the emulator holds each for 10 s): once all are,
    // two full collections leave only what is live, which is then read.
    const gc = (globalThis as { gc?: () => void }).gc;
    let held: { inFlight: number; heap: number; native: number; rss: number; counted: number } | undefined;
    const sampler = setInterval(() => {
      if (held || throttle.inFlight < n) return;
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      held = { inFlight: throttle.inFlight, heap: m.heapUsed, native: m.rss - m.heapTotal, rss: m.rss, counted: deliveryBytes(emailOf(makeEmail(0).archiveKey)) };
      if (process.env.REQMEM_SNAPSHOT) v8.writeHeapSnapshot(`${process.env.REQMEM_SNAPSHOT}-${n}.heapsnapshot`);
    }, 50);
    const started = performance.now();
    // A budget that never binds: what is measured is what the budget is meant to count.
    const summary = await importDeliveries({ store, connector, graph, loadEmail: emailOf, memoryBytes: 1024 * 1024 * 1024 });
    clearInterval(sampler);
    if (summary.delivered !== n) throw new Error(`only ${summary.delivered} of ${n} delivered`);
    if (!held) throw new Error(`never ${n} requests in flight at once`);
    store.dispose();
    const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
    return { n, peakRssMiB: mib(process.resourceUsage().maxRSS * 1024), beforeMiB: mib(before), inFlight: held.inFlight, heapMiB: mib(held.heap), nativeMiB: mib(held.native), rssMiB: mib(held.rss), countedBytes: held.counted, seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    child.kill('SIGKILL');
    temp.cleanup();
  }
}

if (process.argv[2] === '--one') {
  measure(Number(process.argv[3])).then(
    (row) => process.send!({ row }, () => process.exit(0)),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
  );
} else {
  // Bundled, as the hosts run: tsx's own memory would otherwise be counted.
  const bundle = path.join(packageInfo().root, 'dist', 'bench', 'request-memory.mjs');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  const rows: Measured[] = [];
  for (const n of (process.argv[2] ?? '200,800').split(',').map(Number)) {
    const child = fork(bundle, ['--one', String(n)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [message] = (await once(child, 'message')) as [{ row?: Measured; error?: string }];
    if (message.error) throw new Error(message.error);
    rows.push(message.row!);
  }
  console.table(rows);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    const per = (x: number, y: number) => Math.round(((y - x) * 2 ** 20) / Math.max(1, b.inFlight - a.inFlight));
    console.log(`${a.n} → ${b.n}: per request in flight ${per(a.peakRssMiB, b.peakRssMiB)} B of peak RSS, ${per(a.heapMiB, b.heapMiB)} B of heap, ${per(a.nativeMiB, b.nativeMiB)} B native`);
  }
}
