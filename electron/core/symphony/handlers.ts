import type { CapturedConversation, ConnectionTest } from '../../../shared/contract/capture';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { CaptureRepository } from '../store/repos/capture';
import type { ConnectorRepository } from '../store/repos/connectors';
import { testSourceConnection } from './sources';

export interface CaptureHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
  logger: Logger;
  clock: Clock;
}

/** The capture calls of the contract; the core spreads these into its handler map. */
export function captureHandlers(deps: CaptureHandlerDeps) {
  const repo = new CaptureRepository(deps.store);
  return {
    'capture.testConnection': async ({ connectorId }: { connectorId: string }): Promise<ConnectionTest> => {
      return testSourceConnection({ store: deps.store, connector: deps.connectors.get(connectorId), clock: deps.clock, logger: deps.logger });
    },
    'capture.conversations': ({ connectorId }: { connectorId: string }): CapturedConversation[] => {
      deps.connectors.get(connectorId);
      return repo.conversations.summaries(connectorId);
    },
  };
}
