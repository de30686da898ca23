import { reasonWords, skipReason, type Connector, type OutcomeReason, type SkipReason } from '../../../shared/contract';
import type { Store } from '../store/database';
import type { ItemLogRepository } from '../store/repos/item-log';
import type { MapCursorRepository } from '../store/repos/map-cursor';
import { ItemsWait, type CapturedItemRef, type ConvertOutcome, type Resolution, type Stages, type WaitReason } from './stages';

export interface PlanOptions {
  pageSize: number;
  /**
   * E-mails above this are skipped as `too-large`: the one place that rule is decided (default
   * `EXCHANGE_MAX_MESSAGE_BYTES`, model/limits.ts). The converter only reports the size.
   */
  maxBytes: number;
}

export interface PlanCounters {
  converted: number;
  planned: number;
  skipped: number;
  failed: number;
  deferred: number;
  bytes: number;
}

type Decision =
  | { kind: 'plan'; archiveKey: string; items: CapturedItemRef[]; mailboxes: string[]; bytes: number; resolution: Resolution }
  | { kind: 'skip'; items: CapturedItemRef[]; archiveKey: string | null; reason: OutcomeReason; resolution?: Resolution }
  | { kind: 'fail'; item: CapturedItemRef; reason: OutcomeReason };

/**
 * The convert and map steps for one page of captured items: convert, resolve mailboxes, then one
 * transaction records every item's outcome, enqueues its deliveries and moves the map cursor.
 * A crash before the commit redoes the page; after it, the page is never planned again.
 */
export class Planner {
  constructor(
    private readonly store: Store,
    private readonly cursor: MapCursorRepository,
    private readonly items: ItemLogRepository,
    private readonly stages: Stages,
    private readonly options: PlanOptions,
  ) {}

  async decide(connector: Connector, page: readonly CapturedItemRef[], signal: AbortSignal): Promise<{ decisions: Decision[]; deferred: number[]; waiting: Partial<Record<WaitReason, number>>; waitMessages: string[] }> {
    const outcomes = await this.stages.convert.convert(connector, page, signal);
    const byId = new Map(page.map((item) => [item.id, item]));
    const seen = new Set<number>();
    const decisions: Decision[] = [];
    const deferred: number[] = [];
    const waiting: Partial<Record<WaitReason, number>> = {};
    const waitMessages: string[] = [];
    const wait = (reason: WaitReason, ids: number[]) => {
      deferred.push(...ids);
      waiting[reason] = (waiting[reason] ?? 0) + ids.length;
    };
    const take = (id: number, extra?: readonly CapturedItemRef[]) => {
      const item = byId.get(id) ?? extra?.find((i) => i.id === id);
      if (!item) throw new Error(`convert returned item ${id}, which it was not given`);
      if (seen.has(id)) throw new Error(`convert returned item ${id} twice`);
      seen.add(id);
      return item;
    };
    const resolutions = new Map<string, Resolution>();
    for (const outcome of outcomes) {
      if (outcome.kind === 'deferred') {
        take(outcome.itemId);
        wait('not-ready', [outcome.itemId]);
      } else if (outcome.kind === 'failed') {
        decisions.push({ kind: 'fail', item: take(outcome.itemId), reason: outcome.reason });
      } else {
        const items = outcome.itemIds.map((id) => take(id, outcome.extraItems));
        try {
          decisions.push(await this.mapEmail(connector, outcome, items, resolutions));
        } catch (error) {
          if (!(error instanceof ItemsWait)) throw error;
          // Only this e-mail's items wait (those of this page; a transcript's others are theirs).
          wait(error.reason, items.filter((i) => byId.has(i.id)).map((i) => i.id));
          if (waitMessages.length < 3 && !waitMessages.includes(error.message)) waitMessages.push(error.message);
        }
      }
    }
    const missing = page.filter((item) => !seen.has(item.id));
    if (missing.length > 0) throw new Error(`convert returned no outcome for items ${missing.map((i) => i.id).join(', ')}`);
    return { decisions, deferred, waiting, waitMessages };
  }

  private async mapEmail(connector: Connector, email: Extract<ConvertOutcome, { kind: 'email' }>, items: CapturedItemRef[], cache: Map<string, Resolution>): Promise<Decision> {
    const first = items[0]!;
    if (email.bytes > this.options.maxBytes) {
      return { kind: 'skip', items, archiveKey: email.archiveKey, reason: skipReason('too-large', tooLargeWords(email.bytes, this.options.maxBytes)) };
    }
    // Conversations repeat within a page; the resolution depends on the conversation and the senders.
    const cacheKey = `${first.streamId}\n${[...new Set(items.map((i) => i.sender))].sort().join('\n')}`;
    let resolution = cache.get(cacheKey);
    if (!resolution) {
      resolution = await this.stages.map.resolve(connector, items);
      cache.set(cacheKey, resolution);
    }
    const mailboxes = [...new Set(resolution.mailboxes.map((m) => m.trim()).filter(Boolean))].sort();
    if (mailboxes.length > 0) return { kind: 'plan', archiveKey: email.archiveKey, items, mailboxes, bytes: email.bytes, resolution };
    const code: SkipReason = resolution.unmapped > 0 ? 'unmapped' : resolution.excluded > 0 ? 'excluded' : resolution.external > 0 ? 'external-only' : 'unmapped';
    const detail = `no mailbox: ${resolution.unmapped} unmapped, ${resolution.excluded} excluded, ${resolution.external} external member(s)`;
    // Recorded too: mapping holds the item for its unmapped members and may release it later.
    return { kind: 'skip', items, archiveKey: email.archiveKey, reason: skipReason(code, detail), resolution };
  }

  /** Records a page's decisions; `cursorTo` is how far the map cursor may move. */
  commit(connector: Connector, runId: number, decisions: readonly Decision[], cursorTo: number, nowIso: string, counters: PlanCounters): void {
    const connectorId = connector.id;
    this.store.transaction(() => {
      const ids = decisions.flatMap((d) => (d.kind === 'fail' ? [d.item.id] : d.items.map((i) => i.id)));
      const already = this.items.decided(connectorId, ids);
      for (const decision of decisions) {
        if (decision.kind === 'fail') {
          const item = decision.item;
          if (already.has(item.id)) continue;
          this.captured(connectorId, runId, item);
          this.items.insertOutcome({ ...base(connectorId, runId, item, nowIso), archiveKey: null, status: 'failed', reason: decision.reason, mailboxes: 0 });
          this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'failed', detail: reasonWords(decision.reason, { detail: true }) });
          counters.failed++;
          continue;
        }
        const fresh = decision.items.filter((item) => !already.has(item.id));
        if (fresh.length === 0) continue;
        decision.resolution?.record?.(fresh);
        if (decision.kind === 'plan') {
          this.stages.import.enqueue(connectorId, decision.archiveKey, decision.mailboxes);
          counters.converted += fresh.length;
          counters.bytes += decision.bytes;
        }
        for (const item of fresh) {
          this.captured(connectorId, runId, item);
          if (decision.kind === 'plan') {
            this.items.insertOutcome({ ...base(connectorId, runId, item, nowIso), archiveKey: decision.archiveKey, status: 'planned', reason: null, mailboxes: decision.mailboxes.length });
            this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'converted', detail: `${decision.archiveKey} (${decision.bytes} bytes)` });
            this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'planned', detail: decision.mailboxes.join('; ') });
            counters.planned++;
          } else {
            this.items.insertOutcome({ ...base(connectorId, runId, item, nowIso), archiveKey: decision.archiveKey, status: 'skipped', reason: decision.reason, mailboxes: 0 });
            this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'skipped', detail: reasonWords(decision.reason, { detail: true }) });
            counters.skipped++;
          }
        }
      }
      this.cursor.advance(connectorId, cursorTo);
    });
  }

  /** A failed conversion retried: planned now, or still failed (the reconciliation counts the attempt). */
  commitRetry(connector: Connector, runId: number, decision: Decision, nowIso: string): void {
    const connectorId = connector.id;
    this.store.transaction(() => {
      if (decision.kind === 'fail') {
        this.items.addEvent({ ...event(connectorId, runId, decision.item, nowIso), event: 'failed', detail: reasonWords(decision.reason, { detail: true }) });
        return;
      }
      decision.resolution?.record?.(decision.items);
      if (decision.kind === 'plan') this.stages.import.enqueue(connectorId, decision.archiveKey, decision.mailboxes);
      for (const item of decision.items) {
        const current = this.items.get(connectorId, item.id);
        if (current && current.status !== 'failed') continue;
        if (decision.kind === 'plan') {
          this.items.setPlan(connectorId, item.id, decision.archiveKey, decision.mailboxes.length);
          this.items.setStatus(connectorId, item.id, 'planned', { runId, at: nowIso });
          this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'planned', detail: decision.mailboxes.join('; ') });
        } else {
          this.items.setStatus(connectorId, item.id, 'skipped', { reason: decision.reason, runId, at: nowIso });
          this.items.addEvent({ ...event(connectorId, runId, item, nowIso), event: 'skipped', detail: reasonWords(decision.reason, { detail: true }) });
        }
        this.items.addRunItem(runId, item.id);
      }
    });
  }

  private captured(connectorId: string, runId: number, item: CapturedItemRef): void {
    this.items.addEvent({ ...event(connectorId, runId, item, item.capturedAt), event: 'captured', detail: item.messageId });
  }
}

/** The sizes behind a too-large skip; what to do about it is `skipFixes['too-large']` (shared/contract/runs.ts). */
export function tooLargeWords(bytes: number, limit: number): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `the e-mail would be about ${mb(bytes)} (${bytes} bytes), more than the ${mb(limit)} Exchange Online accepts`;
}

function base(connectorId: string, runId: number, item: CapturedItemRef, at: string) {
  return { connectorId, itemId: item.id, streamId: item.streamId, sender: item.sender, bytes: item.bytes, runId, at };
}

function event(connectorId: string, runId: number, item: CapturedItemRef, at: string) {
  return { connectorId, itemId: item.id, runId, streamId: item.streamId, at };
}

export type { Decision };
