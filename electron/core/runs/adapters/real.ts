import path from 'node:path';
import { itemReasonCodes, reasonOf, type Connector } from '../../../../shared/contract';
import { ArchiverError, errorText } from '../../../../shared/errors';
import { emlWriter } from '../../deliver/eml-export';
import { MimeDestination } from '../../deliver/graph-mime';
import { createRouter } from '../../deliver/router';
import { JsonDestination } from '../../graph/json-destination';
import type { DestinationRouter } from '../../model/destination';
import { convertMessage, editContext } from '../../convert/message';
import { captureRepoReader } from '../../convert/reader';
import { RecentEmails } from '../../convert/recent';
import { estimateMimeSize } from '../../convert/size';
import { importDeliveries } from '../../graph/importer';
import type { GraphClient } from '../../graph/client';
import { itemParticipants, type MappingService } from '../../mapping/resolver';
import type { ConvertedEmail } from '../../model/email';
import type { Clock } from '../../platform/clock';
import { storageProblem } from '../../platform/storage-errors';
import type { Logger } from '../../platform/logger';
import type { AppPaths } from '../../platform/paths';
import type { Store } from '../../store/database';
import { CaptureRepository } from '../../store/repos/capture';
import { DeliveryRepository } from '../../store/repos/deliveries';
import { ImportVerificationRepository } from '../../store/repos/import-verifications';
import { ItemLogRepository } from '../../store/repos/item-log';
import { UnknownOutcomeRepository } from '../../store/repos/delivery-unknowns';
import { captureBySource } from '../../symphony/sources';
import { ItemsWait, type CaptureStage, type ConvertOutcome, type ConvertStage, type DeliveryView, type ImportStage, type MapStage, type Stages } from '../stages';
import { lostSpooledAttachments } from './spool-check';
import { convertTranscriptPage, isTranscriptKey, loadTranscript } from './transcripts';
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
 * The pipeline's stages over the real domains: capture (symphony/), convert (convert/), mapping
 * (mapping/) and import (graph/). Only glue lives here; each domain keeps its own rules.
 */
export function createRealStages(deps: RealStageDeps, connector: Connector): Stages {
  const captureRepo = new CaptureRepository(deps.store);
  const itemLog = new ItemLogRepository(deps.store);
  const reader = captureRepoReader(captureRepo);
  const deliveries = new DeliveryRepository(deps.store);
  const unknowns = new UnknownOutcomeRepository(deps.store);
  // What planning converted, for the import of the same run (convert/recent.ts: bounded, once).
  const recent = new RecentEmails();
  // The page being planned, read once for its listing, conversion and mapping (loaded-page.ts).
  const loaded = new LoadedPage(captureRepo, reader);

  const capture: CaptureStage = {
    async capture(ctx) {
      loaded.clear();
      const summary = await captureBySource({
        store: deps.store,
        connector: ctx.connector,
        paths: deps.paths,
        logger: ctx.logger,
        clock: ctx.clock,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ done: p.done, total: p.total }),
      });
      for (const failed of summary.results.filter((r) => r.error)) ctx.logger.warn(`conversation ${failed.streamId} was not fully read: ${failed.error?.message}`);
      if (summary.attachments.pending > 0) ctx.logger.info(`${summary.attachments.pending} attachment(s) wait for the next run; their messages wait with them`);
    },
    page: (connectorId, afterId, limit) => loaded.listAfter(connectorId, afterId, limit),
    byIds: (connectorId, ids) => loaded.listByIds(connectorId, ids),
    count: (connectorId, afterId, throughId) => captureRepo.countCaptured(connectorId, afterId, throughId),
    spoolFiles: (_connectorId, itemIds) => captureRepo.spoolFiles(itemIds),
  };

  const convert: ConvertStage = {
    async convert(target, items) {
      const exportFolder = target.settings.conversion.exportFolder;
      const writeEml = exportFolder ? emlWriter(exportFolder) : undefined;
      if (target.settings.conversion.mode === 'daily-transcript') return convertTranscriptPage({ capture: captureRepo, itemLog, page: loaded, connector: target, items, nowMs: deps.clock.now(), writeEml, recent });
      loaded.ensure(target.id, items.map((i) => i.id));
      const outcomes: ConvertOutcome[] = [];
      for (const item of items) {
        // An attachment still downloading: the message waits for it rather than going without.
        if (loaded.item(item.id)?.attachments.some((a) => a.status === 'pending')) {
          outcomes.push({ kind: 'deferred', itemId: item.id });
          continue;
        }
        try {
          const found = loaded.getMessage(target.id, item.id);
          if (!found) {
            outcomes.push({ kind: 'failed', itemId: item.id, reason: { code: itemReasonCodes.conversionFailed, message: 'The captured message or its conversation is missing from the store.' } });
            continue;
          }
          const email = await convertMessage(found.message, found.conversation, editContext(loaded, target.id, found.message));
          // The .eml export is written before the item is planned: an export that fails makes the
          // item fail (retried next run, then held), so the folder never silently lacks an item.
          if (writeEml) await writeEml(email, found.conversation);
          outcomes.push({ kind: 'email', archiveKey: email.archiveKey, itemIds: [item.id], bytes: estimateMimeSize(email) });
          recent.remember(email);
        } catch (error) {
          // A full disk is not the item's fault: the run stops and the item waits, unfailed.
          if (storageProblem(error)) throw error;
          outcomes.push({ kind: 'failed', itemId: item.id, reason: reasonOf(error, itemReasonCodes.conversionFailed, 'Conversion failed') });
        }
      }
      return outcomes;
    },
  };

  const map: MapStage = {
    async resolve(target, items) {
      const found = items.map((item) => {
        const message = loaded.getMessage(target.id, item.id);
        if (!message) throw new ArchiverError({ code: 'not-found', message: `Captured item ${item.id} is missing from the store.`, target: String(item.id) });
        return message;
      });
      // A transcript carries several senders; each one took part, members or not (any more).
      const participants = found.flatMap((f, i) => (i === 0 ? itemParticipants(f.conversation.members, f.message.sender) : [f.message.sender]));
      let recipients;
      try {
        recipients = await deps.mapping.resolveRecipients(target.id, participants);
      } catch (error) {
        // A lost sign-in stops the run; a cancelled run stops. Any other failure of the look-up
        // (after its retries) leaves only these items waiting for the next run.
        if (ArchiverError.is(error) && (error.code === 'sign-in-required' || error.code === 'cancelled')) throw error;
        throw new ItemsWait('lookup-failed', `the directory look-up failed: ${errorText(error)}`, { cause: error });
      }
      return {
        mailboxes: recipients.mailboxes,
        unmapped: recipients.unmapped.length,
        excluded: recipients.excluded.length,
        external: recipients.external.length,
        record: (refs) => refs.forEach((ref) => deps.mapping.recordItem(target.id, { id: ref.id, timestamp: ref.timestamp }, recipients)),
      };
    },
    async releaseHeld(target, enqueue) {
      await deps.mapping.releaseHeldItems(target.id, (held) => enqueue(held.map((h) => ({ itemId: h.itemId, mailbox: h.mailbox }))));
    },
  };

  const loadEmail = async (archiveKey: string): Promise<ConvertedEmail> => {
    const converted = recent.take(archiveKey);
    if (converted) return converted;
    if (isTranscriptKey(connector.id, archiveKey)) return loadTranscript({ itemLog, capture: captureRepo, reader, connector, archiveKey });
    const [itemId] = itemLog.itemsOfKey(connector.id, archiveKey);
    const found = itemId === undefined ? undefined : reader.getMessage(connector.id, itemId);
    if (!found) throw new Error(`no captured item is planned under ${archiveKey}`);
    return convertMessage(found.message, found.conversation, editContext(reader, connector.id, found.message));
  };

  /**
   * Spooled attachments of items still to deliver whose file has disappeared are fetched again
   * from Symphony before the import (by the capture step, which downloads every pending
   * attachment), rather than failing their items. One the source no longer has fails its item's
   * open deliveries, saying so; the officer retries (the e-mail then notes the missing file) or skips it.
   */
  const respool = async (ctx: Parameters<ImportStage['run']>[0]): Promise<void> => {
    const lost = lostSpooledAttachments({ capture: captureRepo, itemLog, deliveries }, ctx.connector.id);
    if (lost.length === 0) return;
    ctx.logger.warn(`${lost.length} spooled attachment(s) of items still to deliver disappeared; downloading them again`);
    // The e-mails kept from planning name the old spool paths: convert afresh after the download.
    recent.clear();
    deps.store.transaction(() => lost.forEach((a) => captureRepo.markAttachmentLost(a.itemId, a.position)));
    await capture.capture(ctx);
    for (const itemId of new Set(lost.map((l) => l.itemId))) {
      const missing = (captureRepo.item(itemId)?.attachments ?? []).filter((a) => a.status !== 'stored' && lost.some((l) => l.itemId === itemId && l.position === a.position));
      const key = itemLog.get(ctx.connector.id, itemId)?.archiveKey;
      if (missing.length === 0 || !key) continue;
      const names = missing.map((a) => `"${a.name}" (${a.failure ?? 'not downloaded'})`).join(', ');
      const reason = {
        code: itemReasonCodes.attachmentLost,
        message: `The spooled attachment ${names} disappeared and could not be downloaded again from Symphony.`,
        fix: 'Retry the item to archive it with a note that the file is missing, or skip it with a reason.',
      };
      deliveries.batch(() => {
        for (const d of deliveries.ofKeys(ctx.connector.id, [key]).filter((x) => x.state === 'pending' || x.state === 'sending')) deliveries.markFailed({ connectorId: ctx.connector.id, archiveKey: key, mailbox: d.mailbox }, reason);
      });
    }
  };

  const importStage: ImportStage = {
    enqueue: (connectorId, archiveKey, mailboxes) => void deliveries.enqueue(connectorId, archiveKey, mailboxes),
    async run(ctx) {
      loaded.clear();
      warnIfUnverified(deps.store, ctx.connector, ctx.logger);
      await respool(ctx);
      const graph = await deps.graphFor(ctx.connector);
      const summary = await importDeliveries({
        store: deps.store,
        connector: ctx.connector,
        graph,
        loadEmail,
        router: routerFor(ctx.connector, graph, path.join(deps.paths.spool, '_deliver', ctx.connector.id)),
        logger: ctx.logger,
        clock: ctx.clock,
        signal: ctx.signal,
        runId: ctx.runId,
        onProgress: (p) => ctx.progress({ done: p.delivered + p.failed + p.blocked, total: p.delivered + p.failed + p.blocked + p.pending }),
      });
      for (const u of summary.unwritable) ctx.logger.warn(`mailbox ${u.mailbox} cannot be written: ${u.reason}`);
    },
    unknownOutcomes(connectorId, runId) {
      return { ...unknowns.settledInRun(connectorId, runId), unsettled: unknowns.count(connectorId) };
    },
    deliveries(connectorId, keys) {
      const map = new Map<string, DeliveryView[]>();
      for (const row of deliveries.ofKeys(connectorId, keys)) {
        const list = map.get(row.archiveKey) ?? [];
        list.push({ mailbox: row.mailbox, status: row.state, graphId: row.graphId, reason: row.reason, blockedReason: row.blockedReason, foundExisting: row.foundExisting });
        map.set(row.archiveKey, list);
      }
      return map;
    },
    retry(connectorId, archiveKey) {
      deliveries.requeueKey(connectorId, archiveKey, new Date(deps.clock.now()));
    },
  };

  return { capture, convert, map, import: importStage };
}

/** A run whose import method Check import never verified on this tenant says so (docs/decisions/graph-import.md). */
function warnIfUnverified(store: Store, connector: Connector, logger: Logger): void {
  const method = connector.settings.microsoft.importMethod;
  const last = new ImportVerificationRepository(store).get(connector.id);
  if (last?.verifiedMethod === method) return;
  const why = last ? `the last Check import (${last.mailbox}, ${last.verifiedAt}) found that it did not hold` : 'Check import was never run';
  logger.warn(`import method ${method} is not verified on this tenant: ${why}. Run Check import in the connector details (or cli verify-import --mailbox …) before relying on these items.`);
}

/** The connector's import method as destinations: importMime for what fits it when chosen, JSON create for everything else. */
function routerFor(connector: Connector, graph: GraphClient, scratchDir: string): DestinationRouter {
  const { importMethod, messageClass } = connector.settings.microsoft;
  const json = new JsonDestination({ graph, messageClass, scratchDir });
  return createRouter({ json, mime: importMethod === 'graph-mime' ? new MimeDestination({ graph }) : undefined }, importMethod);
}
