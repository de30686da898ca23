import path from 'node:path';
import type { Connector } from '../../../../shared/contract';
import { convertMessage, editContext } from '../../convert/message';
import { MimeDestination } from '../../deliver/graph-mime';
import { createRouter } from '../../deliver/router';
import type { GraphClient } from '../../graph/client';
import { importDeliveries } from '../../graph/importer';
import { JsonDestination } from '../../graph/json-destination';
import type { DestinationRouter } from '../../model/destination';
import type { ConvertedEmail } from '../../model/email';
import type { Logger } from '../../platform/logger';
import type { Store } from '../../store/database';
import { UnknownOutcomeRepository } from '../../store/repos/delivery-unknowns';
import { ImportVerificationRepository } from '../../store/repos/import-verifications';
import type { CaptureStage, DeliveryView, ImportStage } from '../stages';
import type { StageParts } from './parts';
import { respoolLostAttachments } from './respool';
import { isTranscriptKey, loadTranscript } from './transcripts';

/**
 * The import over graph/ and deliver/: every open delivery of the connector, through the
 * connector's import method. `capture` fetches again the spooled attachments that disappeared.
 */
export function realImportStage(parts: StageParts, capture: CaptureStage): ImportStage {
  const { deps, deliveries, loaded } = parts;
  const unknowns = new UnknownOutcomeRepository(deps.store);
  return {
    enqueue: (connectorId, archiveKey, mailboxes) => void deliveries.enqueue(connectorId, archiveKey, mailboxes),
    async run(ctx) {
      loaded.clear();
      warnIfUnverified(deps.store, ctx.connector, ctx.logger);
      await respoolLostAttachments(parts, capture, ctx);
      const graph = await deps.graphFor(ctx.connector);
      const summary = await importDeliveries({
        store: deps.store,
        connector: ctx.connector,
        graph,
        loadEmail: (archiveKey) => loadEmail(parts, archiveKey),
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
}

/** The e-mail of a planned key: the one planning converted when it is still kept, else converted again from the store. */
async function loadEmail({ connector, recent, itemLog, captureRepo, reader }: StageParts, archiveKey: string): Promise<ConvertedEmail> {
  const converted = recent.take(archiveKey);
  if (converted) return converted;
  if (isTranscriptKey(connector.id, archiveKey)) return loadTranscript({ itemLog, capture: captureRepo, reader, connector, archiveKey });
  const [itemId] = itemLog.itemsOfKey(connector.id, archiveKey);
  const found = itemId === undefined ? undefined : reader.getMessage(connector.id, itemId);
  if (!found) throw new Error(`no captured item is planned under ${archiveKey}`);
  return convertMessage(found.message, found.conversation, editContext(reader, connector.id, found.message));
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
