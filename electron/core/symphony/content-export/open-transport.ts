import type { ContentExportSettings } from '../../../../shared/contract/content-export';
import { SftpTransport, type SftpOpenOptions } from './sftp';
import { FolderTransport, type ExportTransport } from './transport';

export async function openTransport(settings: ContentExportSettings, options: SftpOpenOptions = {}): Promise<ExportTransport> {
  return settings.transport === 'folder' ? FolderTransport.open(settings.localDir) : SftpTransport.open(settings, options);
}
