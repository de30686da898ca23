import type { Connector } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import type { GraphClient } from '../graph/client';
import { graphRetryPolicy } from '../graph/errors';
import { GraphDirectory, graphClientRequester } from '../mapping/graph-directory';
import { MappingService } from '../mapping/resolver';
import type { DirectoryLookup } from '../mapping/directory';
import type { Clock } from '../platform/clock';
import type { EventBus } from '../platform/events';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { checkMailbox } from '../graph/permissions';
import { createRealStages } from './adapters/real';
import { RunService } from './service';
import type { PipelineOptions } from './pipeline';

export interface RunWiring {
  store: Store;
  clock: Clock;
  logger: Logger;
  paths: AppPaths;
  events: EventBus;
  connectors: ConnectorRepository;
  /** The Graph client of a connector's tenant; the import domain provides it (tests: the emulator). */
  graphFor?: (connector: Connector) => GraphClient | Promise<GraphClient>;
  directoryFor?: (connectorId: string) => DirectoryLookup | undefined;
  pipeline?: PipelineOptions;
}

/** The Core's RunService over the real stages. */
export function createRunService(wiring: RunWiring): RunService {
  const graphFor: (connector: Connector) => GraphClient | Promise<GraphClient> =
    wiring.graphFor ??
    (() => {
      throw new ArchiverError({
        code: 'internal',
        message: 'This host has no Microsoft 365 connection configured for runs.',
        fix: 'Sign in to Microsoft 365 in the connector settings, then start the run again.',
      });
    });
  // Automatic mapping asks the connector's own tenant directory, through the same Graph client.
  const directoryFor =
    wiring.directoryFor ??
    ((connectorId: string) => {
      const logger = wiring.logger.scope('directory');
      return new GraphDirectory(
        graphClientRequester(
          async () => graphFor(wiring.connectors.get(connectorId)),
          // Deliveries' retry policy, with the client's own backoff.
          (client) => ({ ...graphRetryPolicy(client.retry, wiring.clock), onRetry: ({ attempt, reason, waitMs }) => logger.debug(`directory look-up attempt ${attempt} failed (${reason}); retrying in ${Math.round(waitMs)} ms`) }),
        ),
      );
    });
  const mapping = new MappingService({ store: wiring.store, connectors: wiring.connectors, directoryFor, clock: wiring.clock, logger: wiring.logger });
  return new RunService({
    store: wiring.store,
    clock: wiring.clock,
    logger: wiring.logger,
    paths: wiring.paths,
    events: wiring.events,
    connectors: wiring.connectors,
    pipeline: wiring.pipeline,
    checkMailbox: async (connector, mailbox) => checkMailbox(await graphFor(connector), mailbox),
    stagesFor: (connector) => createRealStages({ store: wiring.store, paths: wiring.paths, logger: wiring.logger, clock: wiring.clock, mapping, graphFor }, connector),
  });
}
