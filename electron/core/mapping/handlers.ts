import fs from 'node:fs';
import type { HandlersOf } from '../../../shared/contract/define';
import { customMappingKey, type mappingCalls, type CsvError } from '../../../shared/contract/mapping';
import { ArchiverError } from '../../../shared/errors';
import { systemClock, type Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { MappingRepository } from '../store/repos/mapping';
import { MappingStaging } from '../store/repos/mapping-staging';
import type { UploadStore } from '../platform/uploads';
import { emptyChanges, PREVIEW_ROWS_LIMIT } from './changes';
import { MappingCsvReader, toMappingCsv } from './csv';

export type MappingHandlers = HandlersOf<typeof mappingCalls>;

export interface MappingHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
  events: EventBus;
  clock?: Clock;
  /** Where uploaded files are (absent in hosts that take none). */
  uploads?: UploadStore;
}

/** What every mapping call shares: the repository, the clock, snapshots and change events. */
interface MappingContext {
  deps: MappingHandlerDeps;
  repo: MappingRepository;
  now: () => string;
  /** A consistent snapshot for reads, without taking the write lock as store.transaction does. */
  read: <T>(fn: () => T) => T;
  changed: (connectorId: string, revision: number) => void;
}

/** The mapping editor's calls (shared/contract/mapping.ts). */
export function mappingHandlers(deps: MappingHandlerDeps): MappingHandlers {
  const clock = deps.clock ?? systemClock;
  const ctx: MappingContext = {
    deps,
    repo: new MappingRepository(deps.store),
    now: () => new Date(clock.now()).toISOString(),
    read: (fn) => deps.store.deferredTransaction(fn),
    changed: (connectorId, revision) => deps.events.emit('mapping.changed', { connectorId, revision }),
  };
  return { ...editorHandlers(ctx), ...csvHandlers(ctx) };
}

/** Listing, one mapping set or removed, the unmapped report and the export. */
function editorHandlers({ deps, repo, now, read, changed }: MappingContext): Pick<MappingHandlers, 'mapping.participants' | 'mapping.set' | 'mapping.remove' | 'mapping.exportCsv' | 'mapping.unmapped'> {
  return {
    'mapping.participants': ({ connectorId, query, sort, direction, offset, limit }) => {
      const connector = deps.connectors.get(connectorId);
      const automatic = connector.settings.mapping.mode === 'automatic';
      return read(() => ({
        ...repo.listParticipants({ connectorId, automatic, query, sort, direction, offset, limit }),
        revision: repo.revision(connectorId),
      }));
    },

    'mapping.set': ({ connectorId, mapping, replacesKey }) => {
      deps.connectors.get(connectorId);
      const key = customMappingKey(mapping);
      const revision = deps.store.transaction(() => {
        if (replacesKey && replacesKey !== key) repo.deleteCustom(connectorId, replacesKey);
        repo.deleteCustom(connectorId, key);
        repo.insertCustom(connectorId, mapping, now());
        return repo.bumpRevision(connectorId);
      });
      changed(connectorId, revision);
      return { key, mapping };
    },

    'mapping.remove': ({ connectorId, key }) => {
      deps.connectors.get(connectorId);
      const result = deps.store.transaction(() => {
        const removed = repo.deleteCustom(connectorId, key);
        return { removed, revision: removed ? repo.bumpRevision(connectorId) : repo.revision(connectorId) };
      });
      if (result.removed) changed(connectorId, result.revision);
      return { removed: result.removed };
    },

    'mapping.exportCsv': ({ connectorId }) => {
      const connector = deps.connectors.get(connectorId);
      const csv = toMappingCsv(repo.listCustom(connectorId).map((r) => r.mapping));
      const slug = connector.name.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'connector';
      return { csv, filename: `symphony-mapping-${slug}-${now().slice(0, 10)}.csv` };
    },

    'mapping.unmapped': ({ connectorId }) => {
      deps.connectors.get(connectorId);
      return { rows: repo.unmappedReport(connectorId) };
    },
  };
}

/** A CSV previewed, then applied only if the mapping is still the one previewed. */
function csvHandlers({ deps, repo, now, read, changed }: MappingContext): Pick<MappingHandlers, 'mapping.previewCsv' | 'mapping.applyCsv'> {
  return {
    'mapping.previewCsv': async ({ connectorId, csv, upload }) => {
      deps.connectors.get(connectorId);
      return withStagedCsv(deps, { csv, upload }, (staged) =>
        read(() => {
          const revision = repo.revision(connectorId);
          if (staged.errors.length > 0) return { errors: staged.errors, changes: emptyChanges(), rowCount: staged.rowCount, revision };
          return { errors: [], changes: staged.stage.plan(connectorId, PREVIEW_ROWS_LIMIT), rowCount: staged.rowCount, revision };
        }),
      );
    },

    'mapping.applyCsv': async ({ connectorId, csv, upload, expectedRevision }) => {
      deps.connectors.get(connectorId);
      const result = await withStagedCsv(deps, { csv, upload }, (staged) => {
        if (staged.errors.length > 0) return { bumped: false, value: { applied: false, errors: staged.errors, changes: emptyChanges(), revision: repo.revision(connectorId) } };
        const at = now();
        return deps.store.transaction(() => {
          const current = repo.revision(connectorId);
          if (expectedRevision !== undefined && expectedRevision !== current) {
            throw new ArchiverError({
              code: 'conflict',
              message: 'The mapping was changed after this file was previewed, so the preview no longer shows what would happen.',
              fix: 'Preview the file again, check the changes, then apply.',
            });
          }
          const changes = staged.stage.plan(connectorId, PREVIEW_ROWS_LIMIT);
          staged.stage.apply(connectorId, at);
          const bumped = changes.added + changes.changed + changes.removed > 0;
          const revision = bumped ? repo.bumpRevision(connectorId) : current;
          return { bumped, value: { applied: true, errors: [] as CsvError[], changes, revision } };
        });
      });
      if (result.value.applied && upload) deps.uploads?.discard(upload);
      if (result.bumped) changed(connectorId, result.value.revision);
      return result.value;
    },
  };
}

interface StagedCsv {
  stage: MappingStaging;
  errors: CsvError[];
  rowCount: number;
}

/**
 * Reads the file (text, or an upload streamed from disk) into a staging table, runs `use` on it
 * and drops the table. Memory stays bounded by one piece of the file, whatever its size.
 */
async function withStagedCsv<T>(deps: MappingHandlerDeps, source: { csv?: string; upload?: string }, use: (staged: StagedCsv) => T): Promise<T> {
  const stage = new MappingStaging(deps.store);
  try {
    const reader = new MappingCsvReader({ add: (row) => stage.add(row.line, row.mapping), batch: (fn) => stage.batch(fn) });
    if (source.csv !== undefined) reader.feed(source.csv);
    else {
      if (!deps.uploads) throw new ArchiverError({ code: 'internal', message: 'This host takes no uploads.' });
      const stream = fs.createReadStream(deps.uploads.pathOf(source.upload!), { encoding: 'utf8', highWaterMark: 256 * 1024 });
      for await (const chunk of stream) {
        reader.feed(chunk as string);
        if (reader.done) {
          stream.destroy();
          break;
        }
      }
    }
    const { errors, rowCount } = reader.end();
    return use({ stage, errors, rowCount });
  } finally {
    stage.dispose();
  }
}
