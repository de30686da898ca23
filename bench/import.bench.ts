// Delivered items per second against the Graph emulator with 50 ms latency and Outlook's limits on
// (4 concurrent requests and 10,000 requests per 10 minutes per mailbox, 150 MB per 5 minutes of
// upload), for 1, 10 and 300 mailboxes, and each as a ratio to the ceiling those limits allow.
// `node --import tsx bench/import.bench.ts` or `npm run bench import`.
import { pathToFileURL } from 'node:url';
import { enqueueDeliveries, importDeliveries } from '../electron/core/graph/importer';
import { makeTempDir } from '../test/support/tmp';
import { makeEmail } from '../test/support/import-fixtures';
import { startBenchWorld } from '../test/support/import-bench-world';
import type { ConvertedEmail } from '../electron/core/model/email';
import type { BenchRow } from './types';

const LATENCY_MS = 50;
const PER_MAILBOX_CONCURRENCY = 4;

export async function runImportBench(cases: ReadonlyArray<{ mailboxes: number; items: number }> = [
  { mailboxes: 1, items: 300 },
  { mailboxes: 10, items: 2_000 },
  { mailboxes: 300, items: 6_000 },
]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const { mailboxes, items } of cases) {
    const temp = makeTempDir('archiver-bench-');
    // The emulator runs on its own thread with the real limits (the defaults) and 50 ms of latency.
    const world = await startBenchWorld(temp.dir, mailboxes, { latencyMs: LATENCY_MS });
    try {
      const emails = new Map<string, ConvertedEmail>();
      world.store.transaction(() => {
        for (let i = 0; i < items; i++) {
          const email = makeEmail(i);
          emails.set(email.archiveKey, email);
          enqueueDeliveries(world.store, world.connector.id, email.archiveKey, [world.mailboxes[i % mailboxes]!]);
        }
      });
      // The first request of each mailbox finds or creates its folder: done once, outside the timing.
      await Promise.all(world.mailboxes.map((mailbox) => world.graph.request({ method: 'POST', path: `/users/${mailbox}/mailFolders/inbox/childFolders`, body: { displayName: 'Symphony' }, mailbox }).catch(() => undefined)));
      const started = performance.now();
      const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
      const seconds = (performance.now() - started) / 1000;
      const rate = summary.delivered / seconds;
      // One create per item; a mailbox can have 4 in flight, each taking at least the latency.
      // The 10,000-per-10-minutes allowance is not reached in runs this short (80/s would spend it in 125 s);
      // sustained beyond that, it caps a mailbox at 16.7 requests per second.
      const ceiling = (mailboxes * PER_MAILBOX_CONCURRENCY) / (LATENCY_MS / 1000);
      const global = world.graph.scheduler.limits.globalConcurrency;
      rows.push({ name: `delivered, ${mailboxes} mailbox${mailboxes > 1 ? 'es' : ''}`, value: round(rate), unit: 'items/s', note: `${summary.delivered} items in ${seconds.toFixed(1)} s; 429s: ${(await world.counters()).throttled}` });
      rows.push({
        name: `ratio to limits' ceiling, ${mailboxes} mailbox${mailboxes > 1 ? 'es' : ''}`,
        value: round(rate / ceiling, 3),
        unit: 'ratio',
        note: `ceiling ${ceiling} items/s (${PER_MAILBOX_CONCURRENCY} × ${mailboxes} in flight / ${LATENCY_MS} ms)${mailboxes * PER_MAILBOX_CONCURRENCY > global ? `; our global cap of ${global} requests allows ${(global / (LATENCY_MS / 1000)).toFixed(0)}/s` : ''}`,
      });
      if (summary.delivered !== items) throw new Error(`only ${summary.delivered} of ${items} delivered`);
    } finally {
      await world.close();
      temp.cleanup();
    }
  }
  return rows;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runImportBench());
}
