import { parseArgs } from 'node:util';
import { itemStatusLabels, reasonWords, type BlockedMailbox, type Connector, type ConnectorRunStatus, type ImportVerification, type OutcomeReason, type Reconciliation, type RunStatus } from '../../shared/contract';
import { runOutcomeDetail, runStatusLabel } from '../../shared/contract/run-words';
import { ArchiverError, errorText } from '../../shared/errors';
import { Core } from '../core/app/core';
import { createLogger } from '../core/platform/logger';
import { failureReason } from '../core/platform/storage-errors';
import { appPaths, defaultDataDir, usePrivateUmask } from '../core/platform/paths';
import { installLastResort } from './last-resort';
import type { RunOutcome } from '../core/runs/runner';

const USAGE = `Usage: symphony-archiver <command> [options]

Commands:
  run [--connector NAME] [--once]   Run the schedule (keeps running), or with --once run each
                                    (or the named) connector once and exit.
  status [--json]                   Per connector: current run, last run with its reconciliation
                                    in one line (the Monitor's words), next scheduled time, and
                                    the mailboxes that cannot be written (--json: for machines).
  resend [--connector NAME] [--mailbox ADDRESS]
                                    Re-check the blocked mailboxes (all, or the given one) now;
                                    those that can be written get their backlog delivered by a run.
  failed [--connector NAME]         The items that failed, stopped retrying or are blocked, each
                                    with its reason and what to do (the Monitor's words).
  connectors                        List the connectors.
  verify-import --mailbox ADDRESS [--connector NAME]
                                    Check import: write a probe item with each method into the
                                    mailbox, read it back, delete it, and print what held.

Options:
  --verbose                         Also print the application log to the console.
  --help                            Show this help.

The data folder is SYMPHONY_ARCHIVER_HOME, or the app's own folder when it is not set.
Exit code: 0 when every run succeeded with nothing failed, blocked, held or waiting on a
failure; 1 otherwise (a run completed with problems or failed),
2 for a usage error, 3 when a connector needs its Microsoft 365 sign-in renewed.`;

/** Exit codes (docs/runs.md). */
export const EXIT = { ok: 0, problems: 1, usage: 2, signIn: 3 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** The headless command over the same Core as the app. Returns the exit code. */
export async function main(argv: string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { connector: { type: 'string' }, mailbox: { type: 'string' }, once: { type: 'boolean' }, verbose: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    io.err(errorText(error));
    io.err(USAGE);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (parsed.values.help ? io.out : io.err)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (!['run', 'status', 'connectors', 'verify-import', 'resend', 'failed'].includes(command) || rest.length > 0) {
    io.err(`Unknown command: ${[command, ...rest].join(' ')}`);
    io.err(USAGE);
    return 2;
  }
  const dataDir = defaultDataDir(env);
  // Owner-only before the logger writes its first file; the core logs what it had to tighten.
  usePrivateUmask();
  const logger = createLogger({ dir: appPaths(dataDir).logs, fileName: 'cli.log', console: parsed.values.verbose === true });
  // The process-level net (logged, then exit 70) for the real command, not for tests calling main().
  if (invokedDirectly) installLastResort(logger);
  const serve = command === 'run' && !parsed.values.once;
  let core: Core | undefined;
  try {
    core = new Core({ dataDir, host: 'cli', logger, startScheduler: serve });
    if (command === 'connectors') return listConnectors(core, io);
    if (command === 'status') return printStatus(core.runs.scheduler.status(), io, parsed.values.json === true, (id) => core!.runs.blocked(id));
    if (command === 'verify-import') return await verifyImportCommand(core, parsed.values.connector, parsed.values.mailbox, io);
    const connectors = selectConnectors(core.connectors.list(), parsed.values.connector);
    if (command === 'resend') return await resend(core, connectors, parsed.values.mailbox, io);
    if (command === 'failed') return await listFailed(core, connectors, io);
    if (serve) return await serveSchedule(core, connectors, io);
    return await runOnce(core, connectors, io);
  } catch (error) {
    io.err(describe(error));
    return 1;
  } finally {
    await core?.dispose();
  }
}

/** Every item waiting for the officer or for a mailbox, with its reason in the one rendering (`reasonWords`). */
async function listFailed(core: Core, connectors: Connector[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  for (const connector of connectors) {
    for (let offset = 0; ; ) {
      const page = await core.dispatcher.invoke('items.failed', { connectorId: connector.id, offset, limit: 1000 });
      if (offset === 0) io.out(`${connector.name}: ${page.total} item(s) failed, stopped retrying or blocked`);
      for (const item of page.items) {
        io.out(`  item ${item.itemId} ${itemStatusLabels[item.status]} after ${item.attempts} run(s) (${item.archiveKey ?? 'not converted'}): ${item.reason ? reasonWords(item.reason) : 'no reason recorded'}`);
        if (item.reason?.detail) io.out(`    detail: ${item.reason.detail}`);
      }
      if (page.total > 0) code = EXIT.problems;
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
  }
  return code;
}

function listConnectors(core: Core, io: CliIo): number {
  const connectors = core.connectors.list();
  if (connectors.length === 0) io.out('No connectors yet. Create one in the app.');
  for (const c of connectors) io.out(`${c.name}\t${c.enabled ? 'enabled' : 'disabled'}\t${c.settings.symphony.podUrl || '(no pod)'}\t${c.id}`);
  return 0;
}

/** The Monitor's words for each run (shared/contract/run-words.ts), and what is blocked now. */
function printStatus(statuses: ConnectorRunStatus[], io: CliIo, json = false, blockedOf: (connectorId: string) => BlockedMailbox[] = () => []): number {
  if (json) {
    io.out(JSON.stringify(statuses, null, 2));
    return EXIT.ok;
  }
  if (statuses.length === 0) io.out('No connectors yet.');
  for (const s of statuses) {
    const current = s.current ? `running (run ${s.current.id}, ${s.current.stage ?? 'starting'})` : 'idle';
    const last = s.last
      ? `last run ${s.last.id} ${runStatusLabel(s.last.status)} at ${s.last.finishedAt ?? s.last.startedAt}: ${s.last.reconciliation ? reconciliationLine(s.last.reconciliation) : 'no reconciliation'}${s.last.status === 'interrupted' || s.last.status === 'needs-sign-in' ? ` (${s.last.error ? reasonWords(s.last.error) : ''})` : ''}`
      : 'never run';
    const next = s.paused ? 'paused' : (s.nextRunAt ?? 'not scheduled');
    io.out(`${s.name}: ${current}; ${last}; next: ${next}`);
    for (const b of blockedOf(s.connectorId)) io.out(`  blocked: ${b.mailbox}, ${b.deliveries} deliveries waiting. ${b.message} Fix: ${b.fix}`);
  }
  return EXIT.ok;
}

/** Re-checks the blocked mailboxes now; a run delivers what became writable (and is summarised like any run). */
async function resend(core: Core, connectors: Connector[], mailbox: string | undefined, io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  for (const connector of connectors) {
    if (core.runs.blocked(connector.id).length === 0) {
      io.out(`${connector.name}: no mailbox is blocked.`);
      continue;
    }
    let outcome: RunOutcome | null;
    try {
      const { result, done } = await core.runs.recheckAndResend(connector.id, mailbox ? [mailbox] : undefined);
      for (const c of result.checks) (c.ok ? io.out : io.err)(`${connector.name}: ${c.mailbox} ${c.ok ? 'can be written again' : `is still blocked: ${c.message ?? 'it cannot be written'}`}`);
      io.out(`${connector.name}: ${result.released} deliveries released${result.runId ? `; run ${result.runId} delivers them` : ''}`);
      if (result.checks.some((c) => !c.ok)) code = Math.max(code, EXIT.problems);
      outcome = done ? await done : null;
    } catch (error) {
      io.err(`${connector.name}: ${describe(error)}`);
      code = Math.max(code, EXIT.problems);
      continue;
    }
    if (outcome) code = Math.max(code, summarise(connector, { runId: outcome.runId, status: outcome.status, error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null }, io));
  }
  return code;
}

/**
 * A run's reconciliation in words an officer reads correctly: what it read from Symphony, what it
 * answered for and how each item ended, what waits for the next run and why, and whose items it
 * took over. "took in" is not "captured": a run can read 5,000 messages and decide none of them.
 */
export function reconciliationLine(r: Reconciliation): string {
  const parts: string[] = [];
  if (r.read !== undefined) parts.push(`read ${r.read} new message(s) from Symphony`);
  // The same words as the Monitor and the status bar: what is not delivered, else the counts.
  parts.push(runOutcomeDetail(r));
  const reasons = Object.entries(r.skipped.byReason).map(([k, v]) => `${k} ${v}`).join(', ');
  if (reasons) parts.push(`skipped because: ${reasons}`);
  const waiting = Object.entries(r.waiting ?? {}).filter(([, n]) => n > 0);
  if (waiting.length > 0) parts.push(`${waiting.reduce((n, [, v]) => n + v, 0)} wait for the next run (${waiting.map(([k, v]) => `${WAIT_WORDS[k] ?? k} ${v}`).join(', ')})`);
  if (r.takenOver) parts.push(`${r.takenOver.items} of them taken over from interrupted run(s) ${r.takenOver.runIds.join(', ')}`);
  if (r.unknownOutcomes?.straysDeleted) parts.push(`${r.unknownOutcomes.straysDeleted} stray copies deleted`);
  if (r.unknownOutcomes?.unsettled) parts.push(`${r.unknownOutcomes.unsettled} unknown outcome(s) carried to the next run`);
  parts.push(r.balanced ? 'balanced' : 'NOT balanced');
  return parts.join('; ');
}

const WAIT_WORDS: Record<string, string> = { 'not-ready': 'transcript day open or attachment downloading:', 'lookup-failed': 'directory look-up failed:' };

function selectConnectors(all: Connector[], name: string | undefined): Connector[] {
  if (name === undefined) return all.filter((c) => c.enabled);
  const match = all.find((c) => c.name.toLowerCase() === name.toLowerCase() || c.id === name);
  if (!match) {
    throw new ArchiverError({ code: 'not-found', message: `No connector named "${name}".`, fix: `Use one of: ${all.map((c) => c.name).join(', ') || '(none yet)'}.`, target: 'connector' });
  }
  return [match];
}

async function runOnce(core: Core, connectors: Connector[], io: CliIo): Promise<number> {
  if (connectors.length === 0) {
    io.err('No enabled connector to run.');
    return EXIT.problems;
  }
  let code: number = EXIT.ok;
  for (const connector of connectors) {
    io.out(`${connector.name}: run started`);
    let outcome: RunOutcome;
    try {
      const started = await core.runs.scheduler.runNow(connector.id, 'cli');
      outcome = await started.done;
    } catch (error) {
      io.err(`${connector.name}: ${describe(error)}`);
      code = Math.max(code, ArchiverError.is(error) && error.code === 'sign-in-required' ? EXIT.signIn : EXIT.problems);
      continue;
    }
    code = Math.max(code, summarise(connector, { runId: outcome.runId, status: outcome.status, error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null }, io));
  }
  return code;
}

/** One line per run: the reconciliation in words; the exit code it stands for. */
interface Finished {
  runId: number;
  status: RunStatus;
  error: OutcomeReason | null;
  reconciliation: Reconciliation | null;
}

export function summarise(connector: Pick<Connector, 'name'>, outcome: Finished, io: CliIo): number {
  const r = outcome.reconciliation;
  const numbers = r ? reconciliationLine(r) : 'no reconciliation';
  const line = `${connector.name}: run ${outcome.runId} ${runStatusLabel(outcome.status)}: ${numbers}${outcome.error ? `. ${reasonWords(outcome.error)}` : ''}`;
  const code =
    outcome.status === 'needs-sign-in'
      ? EXIT.signIn
      : outcome.status === 'succeeded' && !(r?.waiting?.['lookup-failed'] ?? 0)
        ? EXIT.ok
        : EXIT.problems;
  (code === EXIT.ok ? io.out : io.err)(line);
  for (const b of r?.blockedMailboxes ?? []) io.err(`  blocked: ${b.mailbox}, ${b.deliveries} deliveries. ${b.message} Fix: ${b.fix}`);
  return code;
}

/** Keeps the scheduler running until SIGINT/SIGTERM, printing each finished run. */
async function serveSchedule(core: Core, connectors: Connector[], io: CliIo): Promise<number> {
  io.out(`Scheduler running for ${connectors.length} connector(s); Ctrl+C stops it.`);
  printStatus(core.runs.scheduler.status(), io);
  let failures = 0;
  const names = new Map(core.connectors.list().map((c) => [c.id, c]));
  const subscription = core.events.on('runs.changed', (change) => {
    if (change.status === 'running') return io.out(`${names.get(change.connectorId)?.name ?? change.connectorId}: run ${change.runId} started`);
    const run = core.runs.runs.get(change.runId);
    const connector = names.get(change.connectorId);
    if (run && connector && summarise(connector, { runId: run.id, status: change.status, error: run.error, reconciliation: run.reconciliation }, io) !== EXIT.ok) failures++;
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out('Stopping: the current runs are cancelled and resume next time.');
  subscription.dispose();
  return failures > 0 ? 1 : 0;
}

/** Check import from the command line; exit 0 only when the connector's method held on the tenant. */
async function verifyImportCommand(core: Core, name: string | undefined, mailbox: string | undefined, io: CliIo): Promise<number> {
  if (!mailbox) {
    io.err('verify-import needs --mailbox ADDRESS: the mailbox the probe item is written to (and deleted from).');
    return 2;
  }
  const all = core.connectors.list();
  const [connector] = name === undefined && all.length === 1 ? all : selectConnectors(all, name ?? '');
  const verification = await core.dispatcher.invoke('import.verify', { connectorId: connector!.id, mailbox });
  printVerification(verification, io);
  return verification.verifiedMethod ? 0 : 1;
}

export function printVerification(v: ImportVerification, io: CliIo): void {
  io.out(`Check import in ${v.mailbox} at ${v.verifiedAt}`);
  for (const method of v.methods) {
    io.out(`${method.method}: ${method.held ? 'held' : 'did NOT hold'}${method.error ? ` — ${method.error}` : ''}`);
    for (const c of method.checks) io.out(`  ${c.held === true ? 'ok  ' : c.held === false ? 'FAIL' : '  - '}  ${c.label}: ${c.actual}${c.held === false ? ` (expected ${c.expected})` : ''}`);
  }
  io.out(v.verifiedMethod ? `The configured method ${v.configuredMethod} is verified on this tenant.` : `The configured method ${v.configuredMethod} did not hold on this tenant; runs will say it is unverified.`);
}

function describe(error: unknown): string {
  return reasonWords(failureReason(error));
}

const invokedDirectly = process.argv[1] !== undefined && /cli\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${describe(error)}\n`);
      process.exit(1);
    },
  );
}
