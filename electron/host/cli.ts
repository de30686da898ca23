import { parseArgs } from 'node:util';
import type { Connector, ConnectorRunStatus, ImportVerification, Reconciliation, RunStatus } from '../../shared/contract';
import { ArchiverError } from '../../shared/errors';
import { Core } from '../core/app/core';
import { createLogger } from '../core/platform/logger';
import { appPaths, defaultDataDir } from '../core/platform/paths';
import type { RunOutcome } from '../core/runs/runner';

const USAGE = `Usage: symphony-archiver <command> [options]

Commands:
  run [--connector NAME] [--once]   Run the schedule (keeps running), or with --once run each
                                    (or the named) connector once and exit.
  status                            Current run and next scheduled time per connector.
  connectors                        List the connectors.
  verify-import --mailbox ADDRESS [--connector NAME]
                                    Check import: write a probe item with each method into the
                                    mailbox, read it back, delete it, and print what held.

Options:
  --verbose                         Also print the application log to the console.
  --help                            Show this help.

The data folder is SYMPHONY_ARCHIVER_HOME, or the app's own folder when it is not set.
Exit code: 0 when every run succeeded with nothing failed, 1 otherwise, 2 for a usage error.`;

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
      options: { connector: { type: 'string' }, mailbox: { type: 'string' }, once: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    io.err(USAGE);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (parsed.values.help ? io.out : io.err)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  if (!['run', 'status', 'connectors', 'verify-import'].includes(command) || rest.length > 0) {
    io.err(`Unknown command: ${[command, ...rest].join(' ')}`);
    io.err(USAGE);
    return 2;
  }
  const dataDir = defaultDataDir(env);
  const logger = createLogger({ dir: appPaths(dataDir).logs, fileName: 'cli.log', console: parsed.values.verbose === true });
  const serve = command === 'run' && !parsed.values.once;
  let core: Core | undefined;
  try {
    core = new Core({ dataDir, host: 'cli', logger, startScheduler: serve });
    if (command === 'connectors') return listConnectors(core, io);
    if (command === 'status') return printStatus(core.runs.scheduler.status(), io);
    if (command === 'verify-import') return await verifyImportCommand(core, parsed.values.connector, parsed.values.mailbox, io);
    const connectors = selectConnectors(core.connectors.list(), parsed.values.connector);
    if (serve) return await serveSchedule(core, connectors, io);
    return await runOnce(core, connectors, io);
  } catch (error) {
    io.err(describe(error));
    return 1;
  } finally {
    await core?.dispose();
  }
}

function listConnectors(core: Core, io: CliIo): number {
  const connectors = core.connectors.list();
  if (connectors.length === 0) io.out('No connectors yet. Create one in the app.');
  for (const c of connectors) io.out(`${c.name}\t${c.enabled ? 'enabled' : 'disabled'}\t${c.settings.symphony.podUrl || '(no pod)'}\t${c.id}`);
  return 0;
}

function printStatus(statuses: ConnectorRunStatus[], io: CliIo): number {
  if (statuses.length === 0) io.out('No connectors yet.');
  for (const s of statuses) {
    const current = s.current ? `running (run ${s.current.id}, ${s.current.stage ?? 'starting'})` : 'idle';
    const last = s.last ? `last run ${s.last.id} ${s.last.status} at ${s.last.finishedAt ?? s.last.startedAt}` : 'never run';
    const next = s.paused ? 'paused' : (s.nextRunAt ?? 'not scheduled');
    io.out(`${s.name}: ${current}; ${last}; next: ${next}`);
  }
  return 0;
}

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
    return 1;
  }
  let ok = true;
  for (const connector of connectors) {
    io.out(`${connector.name}: run started`);
    let outcome: RunOutcome;
    try {
      const started = await core.runs.scheduler.runNow(connector.id, 'cli');
      outcome = await started.done;
    } catch (error) {
      io.err(`${connector.name}: ${describe(error)}`);
      ok = false;
      continue;
    }
    ok = summarise(connector, { runId: outcome.runId, status: outcome.status, error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null }, io) && ok;
  }
  return ok ? 0 : 1;
}

/** One line per run: the reconciliation in numbers; false when it failed or left items failed. */
interface Finished {
  runId: number;
  status: RunStatus;
  error: string | null;
  reconciliation: Reconciliation | null;
}

function summarise(connector: Connector, outcome: Finished, io: CliIo): boolean {
  const r = outcome.reconciliation;
  const numbers = r
    ? `captured ${r.captured.count}, delivered ${r.delivered.count}, failed ${r.failed.count} (held ${r.held.count}), skipped ${r.skipped.count}` +
      `${Object.keys(r.skipped.byReason).length ? ` [${Object.entries(r.skipped.byReason).map(([k, v]) => `${k} ${v}`).join(', ')}]` : ''}; ${r.balanced ? 'balanced' : 'NOT balanced'}`
    : 'no reconciliation';
  const line = `${connector.name}: run ${outcome.runId} ${outcome.status}: ${numbers}${outcome.error ? `. ${outcome.error}` : ''}`;
  const good = outcome.status === 'succeeded' && (r?.failed.count ?? 0) === 0;
  (good ? io.out : io.err)(line);
  return good;
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
    if (run && connector && !summarise(connector, { runId: run.id, status: change.status, error: run.error, reconciliation: run.reconciliation }, io)) failures++;
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
  if (ArchiverError.is(error)) return [error.message, error.fix].filter(Boolean).join(' ');
  return error instanceof Error ? error.message : String(error);
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
