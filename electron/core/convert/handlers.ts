import { ArchiverError } from '../../../shared/errors';
import type { ConversionSettings, EmlFile, ItemPreview } from '../../../shared/contract/convert';
import type { ConvertedEmail } from '../model/email';
import { emlFileName } from './export';
import { verifyAttachmentFiles } from './files';
import { utcDay, utcDayStart } from './ids';
import { convertMessage, editContext } from './message';
import { toMime } from './mime';
import { previewOf } from './preview';
import type { Store } from '../store/database';
import { CaptureRepository } from '../store/repos/capture';
import { captureRepoReader, type CapturedItemReader } from './reader';
import { convertTranscript } from './transcript';

export interface ConvertHandlerDeps {
  /** Where connector settings come from; `get` throws `not-found` for an unknown connector. */
  connectors: { get(id: string): { settings: { conversion: ConversionSettings } } };
  /** Captured items; defaults to the capture repository over `store`. */
  reader?: CapturedItemReader;
  store?: Store;
}

function readerOf(deps: ConvertHandlerDeps): CapturedItemReader {
  if (deps.reader) return deps.reader;
  if (!deps.store) throw new Error('convertHandlers needs a reader or a store');
  return captureRepoReader(new CaptureRepository(deps.store));
}

interface ItemInput {
  connectorId: string;
  itemId: number | string;
}

/** Raw .eml downloads go through IPC as base64; past this size the export folder is the way. */
const MAX_EML_DOWNLOAD = 64 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The e-mail an item lands in under the connector's current settings: the message itself, or in
 * daily-transcript mode the transcript of its UTC day with every message captured for that day.
 */
export async function emailForItem(reader: CapturedItemReader, settings: ConversionSettings, { connectorId, itemId }: ItemInput): Promise<{ email: ConvertedEmail; mode: ConversionSettings['mode']; day?: string }> {
  const found = reader.getMessage(connectorId, itemId);
  if (!found) {
    throw new ArchiverError({
      code: 'not-found',
      message: `No captured item ${itemId} for this connector.`,
      fix: 'Reload the list; the item may not have been captured yet, or the connector was changed.',
      target: String(itemId),
    });
  }
  if (settings.mode === 'per-message') return { email: await convertMessage(found.message, found.conversation, editContext(reader, connectorId, found.message)), mode: settings.mode };
  const day = utcDay(found.message.timestamp);
  const start = utcDayStart(day);
  const messages = reader.streamMessages(connectorId, found.message.streamId, start, start + DAY_MS);
  if (!messages.some((m) => m.messageId === found.message.messageId)) messages.push(found.message);
  return { email: (await convertTranscript({ conversation: found.conversation, day, messages })).email, mode: settings.mode, day };
}

/** The convert calls of the contract; the core spreads these into its handler map. */
export function convertHandlers(deps: ConvertHandlerDeps) {
  const reader = readerOf(deps);
  const lookup = (input: ItemInput) => emailForItem(reader, deps.connectors.get(input.connectorId).settings.conversion, input);
  return {
    'preview.item': async (input: ItemInput): Promise<ItemPreview> => {
      const { email, mode, day } = await lookup(input);
      await verifyAttachmentFiles(email);
      return previewOf(email, mode, day);
    },
    'preview.eml': async (input: ItemInput): Promise<EmlFile> => {
      const { email } = await lookup(input);
      await verifyAttachmentFiles(email);
      const total = email.attachments.reduce((n, a) => n + a.size, 0);
      if (total > MAX_EML_DOWNLOAD) {
        throw new ArchiverError({
          code: 'too-large',
          message: `This item's e-mail is too large to download from the preview (${Math.round(total / 1024 / 1024)} MB of attachments).`,
          fix: "Set an export folder in the connector's conversion settings; the next run writes the .eml there.",
          target: email.archiveKey,
        });
      }
      return { filename: emlFileName(email), base64: (await toMime(email)).toString('base64') };
    },
  };
}
