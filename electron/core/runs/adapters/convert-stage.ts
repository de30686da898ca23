import { itemReasonCodes, reasonOf, type Connector } from '../../../../shared/contract';
import { emlWriter, type EmlWriter } from '../../deliver/eml-export';
import { convertMessage, editContext } from '../../convert/message';
import { estimateMimeSize } from '../../convert/size';
import { storageProblem } from '../../platform/storage-errors';
import type { CapturedItemRef, ConvertOutcome, ConvertStage } from '../stages';
import type { StageParts } from './parts';
import { convertTranscriptPage } from './transcripts';

/** Conversion over convert/: one e-mail per message, or the page's closed transcript days. */
export function realConvertStage(parts: StageParts): ConvertStage {
  const { deps, captureRepo, itemLog, loaded, recent } = parts;
  return {
    async convert(target, items) {
      const exportFolder = target.settings.conversion.exportFolder;
      const writeEml = exportFolder ? emlWriter(exportFolder) : undefined;
      if (target.settings.conversion.mode === 'daily-transcript') return convertTranscriptPage({ capture: captureRepo, itemLog, page: loaded, connector: target, items, nowMs: deps.clock.now(), writeEml, recent });
      loaded.ensure(target.id, items.map((i) => i.id));
      const outcomes: ConvertOutcome[] = [];
      for (const item of items) outcomes.push(await convertOne(parts, target, item, writeEml));
      return outcomes;
    },
  };
}

/** One captured message as its outcome: an e-mail, a failure with its reason, or deferred while an attachment downloads. */
async function convertOne({ loaded, recent }: StageParts, target: Connector, item: CapturedItemRef, writeEml: EmlWriter | undefined): Promise<ConvertOutcome> {
  // An attachment still downloading: the message waits for it rather than going without.
  if (loaded.item(item.id)?.attachments.some((a) => a.status === 'pending')) return { kind: 'deferred', itemId: item.id };
  try {
    const found = loaded.getMessage(target.id, item.id);
    if (!found) return { kind: 'failed', itemId: item.id, reason: { code: itemReasonCodes.conversionFailed, message: 'The captured message or its conversation is missing from the store.' } };
    const email = await convertMessage(found.message, found.conversation, editContext(loaded, target.id, found.message));
    // The .eml export is written before the item is planned: an export that fails makes the
    // item fail (retried next run, then held), so the folder never silently lacks an item.
    if (writeEml) await writeEml(email, found.conversation);
    const outcome: ConvertOutcome = { kind: 'email', archiveKey: email.archiveKey, itemIds: [item.id], bytes: estimateMimeSize(email) };
    recent.remember(email);
    return outcome;
  } catch (error) {
    // A full disk is not the item's fault: the run stops and the item waits, unfailed.
    if (storageProblem(error)) throw error;
    return { kind: 'failed', itemId: item.id, reason: reasonOf(error, itemReasonCodes.conversionFailed, 'Conversion failed') };
  }
}
