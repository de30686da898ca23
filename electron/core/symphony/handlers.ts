import type { CapturedConversation, ConnectionTest } from '../../../shared/contract/capture';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { CaptureRepository } from '../store/repos/capture';
import type { ConnectorRepository } from '../store/repos/connectors';
import { DatahoseRepository } from '../store/repos/datahose';
import { datahoseTag } from './datahose/feed';
import { testConnection } from './test-connection';

export interface CaptureHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
  logger: Logger;
  clock: Clock;
}

/** The capture calls of the contract; the core spreads these into its handler map. */
export function captureHandlers(deps: CaptureHandlerDeps) {
  const repo = new CaptureRepository(deps.store);
  const feeds = new DatahoseRepository(deps.store);
  return {
    'capture.testConnection': async ({ connectorId }: { connectorId: string }): Promise<ConnectionTest> => {
      const connector = deps.connectors.get(connectorId);
      const datahose = connector.settings.symphony.source === 'datahose' ? { tag: datahoseTag(connector.id), ackId: feeds.feed(connector.id)?.ackId ?? '' } : undefined;
      return testConnection(connector.settings.symphony, { clock: deps.clock, logger: deps.logger.scope('capture'), ...(datahose ? { datahose } : {}) });
    },
    'capture.conversations': ({ connectorId }: { connectorId: string }): CapturedConversation[] => {
      deps.connectors.get(connectorId);
      return repo.conversations.summaries(connectorId);
    },
  };
}
