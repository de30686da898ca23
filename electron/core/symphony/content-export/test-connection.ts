import type { ContentExportSettings, ContentExportTestResult } from '../../../../shared/contract/content-export';
import type { ContentExportRepository } from '../../store/repos/content-export';
import { isChecksumFile, isExportFile } from './file-names';
import { openTransport } from './open-transport';
import { UnpinnedHostKeyError } from './sftp';

/**
 * The officer's "Test" button: connect (checking the host key), list the folder, say what is
 * there. With no fingerprint pinned yet it reports the one the server presented, to be confirmed
 * with Symphony and pasted, and reads nothing.
 */
export async function testContentExport(connectorId: string, settings: ContentExportSettings, ledger: ContentExportRepository, env?: NodeJS.ProcessEnv): Promise<ContentExportTestResult> {
  const directory = settings.transport === 'folder' ? settings.localDir : settings.remoteDir;
  let transport;
  try {
    transport = await openTransport(settings, { env });
  } catch (error) {
    if (error instanceof UnpinnedHostKeyError) {
      return { transport: settings.transport, presentedFingerprint: error.presented, hostKeyVerified: false, directory, files: [], exportFiles: 0, alreadyIngested: 0, summary: `${error.message} ${error.fix ?? ''}`.trim() };
    }
    throw error;
  }
  try {
    const ingested = ledger.ingestedNames(connectorId);
    const files = (await transport.list())
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => ({
        name: e.name,
        size: e.size,
        modifiedAt: e.modifiedAt ? e.modifiedAt.toISOString() : null,
        kind: isExportFile(e.name) ? ('export' as const) : isChecksumFile(e.name) ? ('checksum' as const) : ('other' as const),
        ingested: ingested.has(e.name),
      }));
    const exportFiles = files.filter((f) => f.kind === 'export').length;
    const alreadyIngested = files.filter((f) => f.kind === 'export' && f.ingested).length;
    const waiting = exportFiles - alreadyIngested;
    const verified = settings.transport === 'sftp';
    const summary =
      `Connected to ${transport.description}${verified ? ` (host key ${transport.presentedFingerprint} verified)` : ''}: ` +
      (exportFiles === 0 ? 'no Content Export files yet.' : `${exportFiles} Content Export file${exportFiles === 1 ? '' : 's'}, ${alreadyIngested} already ingested, ${waiting} to read.`);
    return { transport: settings.transport, presentedFingerprint: transport.presentedFingerprint, hostKeyVerified: verified, directory, files, exportFiles, alreadyIngested, summary };
  } finally {
    await transport.close();
  }
}
