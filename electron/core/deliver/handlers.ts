import type { calls, Connector } from '../../../shared/contract';
import type { HandlersOf } from '../../../shared/contract/define';
import type { GraphClient } from '../graph/client';
import type { Clock } from '../platform/clock';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { ImportVerificationRepository } from '../store/repos/import-verifications';
import { verifyImport } from './probe';

export interface DeliverHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
  clock: Clock;
  /** Scratch space for probe files (the data folder's exports or a temp folder). */
  scratchDir: string;
  graphFor(connector: Connector): GraphClient;
}

/** Check import: the probe (import.verify) and its last result (import.verification). */
export function deliverHandlers(deps: DeliverHandlerDeps): Partial<HandlersOf<typeof calls>> {
  return {
    'import.verify': ({ connectorId, mailbox }) => {
      const connector = deps.connectors.get(connectorId);
      return verifyImport({ store: deps.store, connector, graph: deps.graphFor(connector), clock: deps.clock, dir: deps.scratchDir }, mailbox);
    },
    'import.verification': ({ connectorId }) => {
      deps.connectors.get(connectorId);
      return { verification: new ImportVerificationRepository(deps.store).get(connectorId) };
    },
  };
}
