import fs from 'node:fs';
import { ArchiverError, errorText } from '../../../shared/errors';
import type { ConvertedEmail } from '../model/email';

/**
 * Checks that every attachment is still in the spool with the size capture recorded, so that a
 * missing or changed file is a clear error before composing rather than a broken stream midway.
 * (The content hash is checked by capture when it stores the file and by the importer on upload.)
 */
export async function verifyAttachmentFiles(email: ConvertedEmail): Promise<void> {
  for (const attachment of email.attachments) {
    let size: number;
    try {
      size = (await fs.promises.stat(attachment.path)).size;
    } catch (error) {
      throw new ArchiverError(
        {
          code: 'not-found',
          message: `The file "${attachment.filename}" is no longer in the attachment spool, so the e-mail ${email.archiveKey} cannot be built.`,
          fix: 'Restore the spool folder from a backup, or run the capture again so that the file is downloaded anew.',
          target: attachment.path,
          detail: errorText(error),
        },
        { cause: error },
      );
    }
    if (size !== attachment.size) {
      throw new ArchiverError({
        code: 'conflict',
        message: `The spooled file "${attachment.filename}" has ${size} bytes but capture stored ${attachment.size}: it changed after capture, so it is not archived.`,
        fix: 'Run the capture again for this connector so that the attachment is downloaded anew.',
        target: attachment.path,
      });
    }
  }
}
