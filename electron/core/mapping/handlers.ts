import type { HandlersOf } from '../../../shared/contract/define';
import { customMappingKey, type mappingCalls, type CsvError } from '../../../shared/contract/mapping';
import { ArchiverError } from '../../../shared/errors';
import { systemClock, type Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { MappingRepository } from '../store/repos/mapping';
import { emptyChanges, planReplacement } from './changes';
import { parseMappingCsv, toMappingCsv } from './csv';

export type MappingHandlers = HandlersOf<typeof mappingCalls>;

export interface MappingHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
  events: EventBus;
  clock?: Clock;
}

/** The mapping editor's calls (shared/contract/mapping.ts). */
export function mappingHandlers(deps: MappingHandlerDeps): MappingHandlers {
  const repo = new MappingRepository(deps.store);
  const clock = deps.clock ?? systemClock;
  const now = () => new Date(clock.now()).toISOString();
  // A consistent snapshot for reads, without taking the write lock as store.transaction does.
  const read = <T>(fn: () => T): T => deps.store.db.transaction(fn).deferred();
  const changed = (connectorId: string, revision: number) => deps.events.emit('mapping.changed', { connectorId, revision });

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

    'mapping.previewCsv': ({ connectorId, csv }) => {
      deps.connectors.get(connectorId);
      const parsed = parseMappingCsv(csv);
      return read(() => {
        const revision = repo.revision(connectorId);
        const rowCount = parsed.rows.length + countBadLines(parsed.errors);
        if (parsed.errors.length > 0) return { errors: parsed.errors, changes: emptyChanges(), rowCount, revision };
        return { errors: [], changes: planReplacement(repo.listCustom(connectorId), parsed.rows).changes, rowCount, revision };
      });
    },

    'mapping.applyCsv': ({ connectorId, csv, expectedRevision }) => {
      deps.connectors.get(connectorId);
      const parsed = parseMappingCsv(csv);
      if (parsed.errors.length > 0) return { applied: false, errors: parsed.errors, changes: emptyChanges(), revision: repo.revision(connectorId) };
      const at = now();
      const result = deps.store.transaction(() => {
        const current = repo.revision(connectorId);
        if (expectedRevision !== undefined && expectedRevision !== current) {
          throw new ArchiverError({
            code: 'conflict',
            message: 'The mapping was changed after this file was previewed, so the preview no longer shows what would happen.',
            fix: 'Preview the file again, check the changes, then apply.',
          });
        }
        const plan = planReplacement(repo.listCustom(connectorId), parsed.rows);
        for (const key of plan.remove) repo.deleteCustom(connectorId, key);
        for (const mapping of plan.insert) repo.insertCustom(connectorId, mapping, at);
        const { added, changed: modified, removed } = plan.changes;
        const bumped = added + modified + removed > 0;
        const revision = bumped ? repo.bumpRevision(connectorId) : current;
        return { bumped, value: { applied: true, errors: [] as CsvError[], changes: plan.changes, revision } };
      });
      if (result.bumped) changed(connectorId, result.value.revision);
      return result.value;
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

function countBadLines(errors: readonly CsvError[]): number {
  return new Set(errors.filter((e) => e.line > 1).map((e) => e.line)).size;
}
