import type { Connector } from '../../../../shared/contract';
import { captureRepoReader, type CapturedItemReader } from '../../convert/reader';
import { RecentEmails } from '../../convert/recent';
import type { GraphClient } from '../../graph/client';
import type { MappingService } from '../../mapping/resolver';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { AppPaths } from '../../platform/paths';
import type { Store } from '../../store/database';
import { CaptureRepository } from '../../store/repos/capture';
import { DeliveryRepository } from '../../store/repos/deliveries';
import { ItemLogRepository } from '../../store/repos/item-log';
import { LoadedPage } from './loaded-page';

export interface RealStageDeps {
  store: Store;
  paths: AppPaths;
  logger: Logger;
  clock: Clock;
  mapping: MappingService;
  /** The Graph client of the connector's tenant (auth is the import domain's). */
  graphFor(connector: Connector): GraphClient | Promise<GraphClient>;
}

/**
 * What the real stage adapters of one connector share: the repositories they read through, the
 * page being planned and the e-mails planning converted. One per `createRealStages` call, so the
 * stages of a run see the same page and the same converted e-mails.
 */
export interface StageParts {
  deps: RealStageDeps;
  connector: Connector;
  captureRepo: CaptureRepository;
  itemLog: ItemLogRepository;
  deliveries: DeliveryRepository;
  reader: CapturedItemReader;
  /** What planning converted, for the import of the same run (convert/recent.ts: bounded, once). */
  recent: RecentEmails;
  /** The page being planned, read once for its listing, conversion and mapping (loaded-page.ts). */
  loaded: LoadedPage;
}

export function stageParts(deps: RealStageDeps, connector: Connector): StageParts {
  const captureRepo = new CaptureRepository(deps.store);
  const reader = captureRepoReader(captureRepo);
  return {
    deps,
    connector,
    captureRepo,
    itemLog: new ItemLogRepository(deps.store),
    deliveries: new DeliveryRepository(deps.store),
    reader,
    recent: new RecentEmails(),
    loaded: new LoadedPage(captureRepo, reader),
  };
}
