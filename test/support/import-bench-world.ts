import path from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Store } from '../../electron/core/store/database';
import { addConnector, numberedMailboxes } from './world';
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxThrottle } from '../../electron/core/graph/throttle';
import type { Connector } from '../../shared/contract';
import type { GraphCounters, GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';

/** Importer in this thread, Graph emulator in a worker thread: for the benchmark. */
export interface BenchWorld {
  store: Store;
  connector: Connector;
  graph: GraphClient;
  mailboxes: string[];
  counters(): Promise<GraphCounters>;
  close(): Promise<void>;
}

export async function startBenchWorld(dir: string, mailboxCount: number, options: GraphEmulatorOptions): Promise<BenchWorld> {
  const mailboxes = numberedMailboxes(mailboxCount);
  // Workers do not inherit the TypeScript loader: the worker registers tsx, then loads the emulator.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./import-emulator-worker.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: { options, mailboxes } });
  const [ready] = (await once(worker, 'message')) as [{ baseUrl: string; tenantId: string; token: string }];
  const store = Store.open(path.join(dir, 'archiver.db'));
  const connector = addConnector(store, { name: 'bench', tenant: { tenantId: ready.tenantId, url: ready.baseUrl }, microsoft: { authMode: 'certificate' } });
  const graph = new GraphClient({ baseUrl: ready.baseUrl, getToken: async () => ready.token, throttle: new MailboxThrottle() });
  const ask = async <T>(type: string, answer: string): Promise<T> => {
    worker.postMessage({ type });
    for (;;) {
      const [message] = (await once(worker, 'message')) as [{ type: string } & T];
      if (message.type === answer) return message;
    }
  };
  return {
    store,
    connector,
    graph,
    mailboxes,
    counters: async () => (await ask<{ counters: GraphCounters }>('counters', 'counters')).counters,
    async close() {
      store.dispose();
      await ask('stop', 'stopped');
      await worker.terminate();
    },
  };
}
