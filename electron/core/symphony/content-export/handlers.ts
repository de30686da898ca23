import { contentExportSettingsSchema, type ContentExportSettings, type ContentExportTestResult } from '../../../../shared/contract/content-export';
import type { Connector } from '../../../../shared/contract/connectors';
import { ArchiverError } from '../../../../shared/errors';
import type { Store } from '../../store/database';
import type { ConnectorRepository } from '../../store/repos/connectors';
import { ContentExportRepository } from '../../store/repos/content-export';
import { testContentExport } from './test-connection';

export interface ContentExportHandlerDeps {
  store: Store;
  connectors: ConnectorRepository;
}

/**
 * A connector's Content Export section (`settings.contentExport`, composed into the connector
 * settings by shared/contract/connectors.ts). Read loosely so this works before and after the
 * composition lands.
 */
export function contentExportSettingsOf(connector: Connector): ContentExportSettings {
  const section = (connector.settings as Record<string, unknown>).contentExport;
  if (section === undefined) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `Content Export is not configured for ${connector.name}.`,
      fix: 'Open the connector settings and fill in the Content Export section (SFTP server or folder).',
      target: 'settings.contentExport',
    });
  }
  return contentExportSettingsSchema.parse(section);
}

/** The Content Export calls of the contract; the core spreads these into its handler map. */
export function contentExportHandlers(deps: ContentExportHandlerDeps) {
  const ledger = new ContentExportRepository(deps.store);
  return {
    'contentExport.test': async ({ connectorId }: { connectorId: string }): Promise<ContentExportTestResult> => {
      const connector = deps.connectors.get(connectorId);
      return testContentExport(connectorId, contentExportSettingsOf(connector), ledger);
    },
  };
}
