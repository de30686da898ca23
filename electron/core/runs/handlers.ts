import type { HandlersOf } from '../../../shared/contract/define';
import { ArchiverError } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { ItemLogRepository } from '../store/repos/item-log';
import { MappingRepository } from '../store/repos/mapping';
import { RunRepository, toSummary } from '../store/repos/runs';
import { SettingsRepository } from '../store/repos/settings';
import type { runCalls } from '../../../shared/contract/runs';
import { retryItems, skipItems } from './officer-actions';
import { exportRunLog } from './log-export';
import { RUN_SETTINGS } from './settings';
import type { RunService } from './service';

export interface RunHandlerDeps {
  store: Store;
  clock: Clock;
  paths: AppPaths;
  connectors: ConnectorRepository;
  service: RunService;
}

export type RunHandlers = HandlersOf<typeof runCalls>;

/** The `runs.*` and `items.*` calls of the contract. */
export function runHandlers(deps: RunHandlerDeps): RunHandlers {
  const runs = new RunRepository(deps.store);
  const items = new ItemLogRepository(deps.store);
  const settings = new SettingsRepository(deps.store);
  const { scheduler } = deps.service;
  const connectorId = (id: string) => deps.connectors.get(id).id;
  return {
    'runs.list': ({ connectorId: id, offset, limit }) => {
      const page = runs.list({ connectorId: id, offset, limit });
      return { runs: page.runs.map(toSummary), total: page.total };
    },
    'runs.get': ({ runId, conversationsOffset, conversationsLimit }) => {
      const run = runs.get(runId);
      if (!run) throw new ArchiverError({ code: 'not-found', message: `There is no run ${runId}.`, target: String(runId) });
      const conversations = items.conversationTotals(run.id, run.connectorId, conversationsOffset, conversationsLimit, new MappingRepository(deps.store).waitingItemIds(run.connectorId));
      return { ...toSummary(run), progress: run.progress, conversations: conversations.rows, conversationsTotal: conversations.total };
    },
    'runs.start': async ({ connectorId: id }) => {
      const { runId } = await scheduler.runNow(connectorId(id), 'manual');
      return { runId };
    },
    'runs.cancel': ({ connectorId: id }) => ({ cancelled: scheduler.cancel(connectorId(id)) }),
    'runs.pause': ({ connectorId: id }) => scheduler.pause(connectorId(id)),
    'runs.resume': ({ connectorId: id }) => scheduler.resume(connectorId(id)),
    'runs.status': () => scheduler.status(),
    'runs.preview': ({ schedule, connectorId: id, count }) => ({
      nextRuns: scheduler.preview(schedule, id === undefined ? null : connectorId(id), count).map((ms) => new Date(ms).toISOString()),
    }),
    'runs.settings': ({ patch }) => (patch && Object.keys(patch).length > 0 ? settings.update(RUN_SETTINGS, patch, deps.clock.now()) : settings.get(RUN_SETTINGS)),
    'runs.purge': () => deps.service.purge(),
    'runs.downloadLog': ({ runId, format, destination }) => exportRunLog({ store: deps.store, paths: deps.paths, runId, format, destination }),
    'items.log': ({ connectorId: id, ...filter }) => items.log({ connectorId: connectorId(id), ...filter }),
    'items.failed': ({ connectorId: id, offset, limit }) => items.failed(connectorId(id), offset, limit),
    'items.retry': ({ connectorId: id, itemIds }) => ({ updated: retryItems(deps.store, connectorId(id), itemIds, deps.clock.now()) }),
    'runs.blocked': ({ connectorId: id }) => ({ mailboxes: deps.service.blocked(connectorId(id)) }),
    'runs.resendBlocked': ({ connectorId: id, mailboxes }) => deps.service.resendBlocked(connectorId(id), mailboxes),
    'items.skip': ({ connectorId: id, itemIds, reason }) => ({ updated: skipItems(deps.store, connectorId(id), itemIds, reason, deps.clock.now()) }),
  };
}
