/**
 * Runs one Content Export poll in its own process, for the crash tests: CE_CHILD_CONFIG (JSON)
 * names the database, the connector, the settings and, optionally, the stage and file number at
 * which the process SIGKILLs itself, the way a power cut or a killed app would stop it.
 */
import { pollContentExport, type IngestStage } from '../../electron/core/symphony/content-export/ingest';
import { Store } from '../../electron/core/store/database';
import { contentExportSettingsSchema } from '../../shared/contract/content-export';

interface ChildConfig {
  database: string;
  spoolDir: string;
  connectorId: string;
  settings: unknown;
  env?: Record<string, string>;
  killAt?: { stage: IngestStage; occurrence: number };
}

const config = JSON.parse(process.env.CE_CHILD_CONFIG ?? '{}') as ChildConfig;
const store = Store.open(config.database);
let seen = 0;
const report = await pollContentExport({
  connectorId: config.connectorId,
  pod: 'acme.symphony.com',
  settings: contentExportSettingsSchema.parse(config.settings),
  store,
  spoolDir: config.spoolDir,
  env: { ...process.env, ...config.env },
  onStage: (stage) => {
    if (config.killAt && stage === config.killAt.stage && ++seen === config.killAt.occurrence) process.kill(process.pid, 'SIGKILL');
  },
});
store.dispose();
process.stdout.write(`${JSON.stringify(report)}\n`);
