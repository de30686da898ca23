import { EmlExporter } from '../convert/export';
import type { Conversation } from '../model/captured';
import type { ConvertedEmail } from '../model/email';
import { EmlFolderDestination } from './eml-folder';

/** Writes an e-mail into the connector's export folder, one folder per conversation. */
export type EmlWriter = (email: ConvertedEmail, conversation: Conversation) => Promise<void>;

/**
 * The .eml folder destination as the convert stage uses it, for single messages and daily
 * transcripts alike: the folder of a conversation comes from EmlExporter (named after it, kept
 * across renames), the file from the destination. A file already there (same name, same bytes)
 * is not written again.
 */
export function emlWriter(exportFolder: string): EmlWriter {
  const folders = new EmlExporter(exportFolder);
  const destination = new EmlFolderDestination();
  return async (email, conversation) => {
    const target = { mailbox: '', folderId: folders.folderFor(conversation) };
    if ((await destination.find(target, email)).length === 0) await destination.create(target, email);
  };
}
