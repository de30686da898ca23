import type { ConnectionTest, SymphonySource } from '../../../shared/contract/capture';
import type { Connector } from '../../../shared/contract/connectors';
import { ArchiverError } from '../../../shared/errors';
import { systemClock, type Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import { CaptureWriter } from '../store/repos/capture-writer';
import { contentExportSource } from './content-export/source';
import { datahoseSource } from './datahose/source';
import { hostOf } from './ids';
import { defaultCaptureTuning, type CaptureProgress, type CaptureSource, type CaptureSummary, type CaptureTuning } from './source';
import { streamsSource } from './streams/source';

/**
 * Every source a connector can read its pod from, by the value of `settings.symphony.source`.
 * Typed exhaustively: a kind added to `symphonySourceSchema` without its line here fails
 * type-check, and a line whose `id` is not its key does too. A new source is one folder with a
 * `CaptureSource` and one line here (docs/capture.md, "Sources").
 */
export const captureSources = {
  streams: streamsSource,
  datahose: datahoseSource,
  'content-export': contentExportSource,
} as const satisfies SourceRegistry;

/** One source per kind, each under its own id. */
export type SourceRegistry = { [K in SymphonySource]: AnySource & { id: K } };

type Sources = typeof captureSources;
// A source's settings type is both read (its schema) and given (capture, test): only `any` lets
// the registry hold sources of different settings; each entry is checked against its own
// CaptureSource<Settings, Summary> where it is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySource = CaptureSource<any, CaptureSummary>;

/** What a capture step did, whichever source it read: that source's summary, tagged with its id. */
export type SourceSummary = { [K in SymphonySource]: Awaited<ReturnType<Sources[K]['capture']>> & { source: K } }[SymphonySource];

export interface CaptureOptions {
  store: Store;
  connector: Connector;
  paths: Pick<AppPaths, 'spool'>;
  logger: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: CaptureProgress) => void;
  tuning?: Partial<CaptureTuning>;
}

/**
 * The capture step of a run: reads the connector's pod through the source its settings name,
 * into the one capture writer. Every source writes the same store, keyed by (connector, Symphony
 * message id), so switching source, or reading one pod both ways, stores each message once.
 * Waits for every task of the source before returning, so nothing is written after it returns.
 */
export async function captureBySource(options: CaptureOptions): Promise<SourceSummary> {
  const { connector } = options;
  const clock = options.clock ?? systemClock;
  const kind = sourceKindOf(connector);
  // One generic call for every kind: TypeScript cannot narrow the registry's union by `kind`.
  const source: AnySource = captureSources[kind];
  const writer = new CaptureWriter(options.store, connector.id, hostOf(connector.settings.symphony.podUrl), () => new Date(clock.now()));
  const summary = await source.capture(
    {
      store: options.store,
      connector,
      settings: settingsFor(source, connector),
      clock,
      logger: options.logger,
      paths: options.paths,
      ...(options.signal ? { signal: options.signal } : {}),
      progress: (p) => options.onProgress?.(p),
      tuning: { ...defaultCaptureTuning, ...options.tuning },
    },
    writer,
  );
  return { ...summary, source: kind } as SourceSummary;
}

/** "Test connection" for the connector's source; reads nothing into the store. */
export async function testSourceConnection(options: { store: Store; connector: Connector; clock: Clock; logger: Logger }): Promise<ConnectionTest> {
  const source: AnySource = captureSources[sourceKindOf(options.connector)];
  return source.testConnection({ ...options, settings: settingsFor(source, options.connector), logger: options.logger.scope('capture') });
}

function sourceKindOf(connector: Connector): SymphonySource {
  const kind = connector.settings.symphony.source;
  // Stored settings are parsed by the contract, so only a file edited by hand can get here.
  if (!Object.hasOwn(captureSources, kind)) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `The connector's source "${String(kind)}" is not one the archiver knows.`,
      fix: 'Choose member streams, Datahose or Content Export in the connector\'s Symphony settings.',
      target: 'settings.symphony.source',
    });
  }
  return kind;
}

/** The settings section the source reads, checked by its own schema before anything is read. */
function settingsFor<S>(source: CaptureSource<S>, connector: Connector): S {
  const parsed = source.settingsSchema.safeParse(connector.settings[source.settingsKey]);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const target = ['settings', source.settingsKey, ...(issue?.path ?? []).map(String)].join('.');
  throw new ArchiverError({
    code: 'invalid-input',
    message: `${connector.name}: the ${source.label} settings are not valid (${target}: ${issue?.message ?? 'invalid'}).`,
    fix: `Correct ${target} in the connector's settings.`,
    target,
  });
}
