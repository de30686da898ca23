import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Connector } from '../../shared/contract';
import { systemClock, type Clock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { RunController } from '../../electron/core/runs/runner';
import type { PipelineOptions } from '../../electron/core/runs/pipeline';
import type { Stages } from '../../electron/core/runs/stages';
import { createTestStages, mailboxesOf, messageOf, openMailboxes, type FakePod, type StageHooks } from './pipeline-stages';

export interface Harness {
  store: Store;
  mailboxes: BetterSqlite3.Database;
  connector: Connector;
  stages: Stages;
  controller: RunController;
  close(): void;
}

/** A store, one connector, in-test stages and a RunController, in `dir` (reopenable: same files). */
export function openHarness(dir: string, pod: FakePod, options: { hooks?: StageHooks; failingMailboxes?: Set<string>; clock?: Clock; pipeline?: PipelineOptions; owner?: string; wrap?: (s: Stages) => Stages; batchImport?: boolean; capturePage?: number } = {}): Harness {
  const store = Store.open(path.join(dir, 'archiver.db'));
  const mailboxes = openMailboxes(path.join(dir, 'graph.db'));
  const repo = new ConnectorRepository(store);
  const connector = repo.findByName('Pod') ?? repo.create('Pod');
  let stages = createTestStages({ store, pod, mailboxes, hooks: options.hooks, failingMailboxes: options.failingMailboxes, batchImport: options.batchImport, capturePage: options.capturePage });
  if (options.wrap) stages = options.wrap(stages);
  const controller = new RunController({
    store,
    clock: options.clock ?? systemClock,
    logger: silentLogger,
    connector: (id) => repo.get(id),
    stagesFor: () => stages,
    pipeline: { pageSize: 250, ...options.pipeline },
    owner: options.owner,
  });
  return {
    store,
    mailboxes,
    connector,
    stages,
    controller,
    close() {
      store.dispose();
      mailboxes.close();
    },
  };
}

/** What the fake mailboxes must hold: every deliverable message once in each mapped member's mailbox. */
export function expectedDeliveries(pod: FakePod, failing = new Set<string>()): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < pod.messages; i++) {
    const m = messageOf(i, pod);
    if (pod.convertFailEvery && i % pod.convertFailEvery === pod.convertFailEvery - 1) continue;
    if (m.bytes > 150 * 1024 * 1024) continue;
    for (const box of mailboxesOf(i % pod.streams)) if (!failing.has(box)) expected.set(box, (expected.get(box) ?? 0) + 1);
  }
  return expected;
}

/** Mailbox → number of messages, and how many (mailbox, key) pairs occur more than once. */
export function actualDeliveries(mailboxes: BetterSqlite3.Database): { perMailbox: Map<string, number>; duplicates: number } {
  const rows = mailboxes.prepare('SELECT mailbox, COUNT(*) AS n FROM mailbox GROUP BY mailbox').all() as { mailbox: string; n: number }[];
  const dup = mailboxes.prepare('SELECT COUNT(*) AS n FROM (SELECT 1 FROM mailbox GROUP BY mailbox, archive_key HAVING COUNT(*) > 1)').get() as { n: number };
  return { perMailbox: new Map(rows.map((r) => [r.mailbox, r.n])), duplicates: dup.n };
}
