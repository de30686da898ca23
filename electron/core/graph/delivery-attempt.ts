import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { ConvertedEmail } from '../model/email';
import type { AttachmentSplit, Destination, RouteName } from '../model/destination';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import type { GraphClient } from './client';
import { GraphRequestError } from './errors';
import type { FolderResolver } from './folders';
import { toFoundItem, toFoundItems } from './import-emails';
import type { LedgerWriter, trackRequest } from './ledger';
import type { UploadGate } from './throttle';
import { addAttachment, inspectAttachments, refusesNonDraft } from './attachments';
import { chooseKept, deleteItem, replacedLine, strayLine, type FoundItem } from './items';

/** What one delivery's attempts work with; shared by every delivery of the import. */
export interface AttemptContext {
  graph: GraphClient;
  repo: DeliveryRepository;
  unknowns: UnknownOutcomeRepository;
  ledger: LedgerWriter;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  chunkBytes?: number;
  uploads: UploadGate;
  markAsRead: boolean;
  /** Mailboxes that refuse attachments on non-draft items: their items are created as drafts. */
  draftOnly: Set<string>;
  folders: FolderResolver;
  /** The mailbox's archive folder; blocks the mailbox (and throws) when it cannot be written. */
  ensureFolder(mailbox: string): Promise<string>;
  finderOf(key: DeliveryKey, chosen: Destination): Destination;
  /** The ledger's hooks around one request that may change the mailbox (ledger.ts). */
  track(key: DeliveryKey, what: string, create?: { route: RouteName }): ReturnType<typeof trackRequest>;
}

/**
 * One delivery's way into its mailbox, one attempt at a time (`once`, retried by the caller):
 * look the item up when it may exist, else create it, add the attachments the create did not
 * carry, and record it delivered. What carries over between attempts is whether an item may
 * already exist (`mayExist`): an earlier request went out and its outcome is not known.
 */
export class DeliveryAttempt {
  /** The item was already in the mailbox when looked up: "already there" in the reconciliation. */
  foundExisting = false;

  constructor(
    private readonly ctx: AttemptContext,
    private readonly key: DeliveryKey,
    private readonly email: ConvertedEmail,
    private readonly destination: Destination,
    /** An item may exist in the mailbox (an earlier request went unanswered): look before creating. */
    public mayExist: boolean,
  ) {}

  async once(): Promise<void> {
    const { ctx, key } = this;
    const folderId = await ctx.ensureFolder(key.mailbox);
    const asDraft = ctx.draftOnly.has(key.mailbox);
    const plan = this.destination.split(this.email, { markAsRead: ctx.markAsRead, asDraft });
    this.foundExisting = false;
    const found = this.mayExist ? await this.lookUp(folderId) : undefined;
    const { item, done } = found ?? (await this.create(folderId, plan, asDraft));
    await this.attachRest(item, plan, done);
    ctx.logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: delivered ${item.id}`);
    const foundExisting = this.foundExisting;
    await ctx.ledger.write(() => {
      ctx.repo.markDelivered(key, item.id, undefined, foundExisting);
      ctx.unknowns.answered(key);
    });
  }

  /** The item found in the mailbox with the attachments it has, or nothing (none, or one replaced). */
  private async lookUp(folderId: string): Promise<{ item: FoundItem; done: Set<number> } | undefined> {
    const { ctx, key, email } = this;
    const item = await this.findKept(folderId);
    ctx.logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: looked up, ${item ? `found ${item.id}` : 'not found'}`);
    if (!item) {
      await ctx.ledger.write(() => ctx.repo.forgetItem(key));
      return undefined;
    }
    const inspection = await inspectAttachments(ctx.graph, key.mailbox, item.id, email, ctx.signal);
    if (inspection.foreign.length > 0) {
      // A second copy of an attachment, or different bytes: replace the item, never patch it.
      const why = inspection.foreign.map((f) => `${f.name} (${f.why})`).join(', ');
      ctx.logger.warn(replacedLine(key.mailbox, email.archiveKey, item.id, why));
      await deleteItem(ctx.graph, key.mailbox, item.id, ctx.clock, ctx.signal);
      await ctx.ledger.write(() => ctx.repo.forgetItem(key));
      return undefined;
    }
    this.foundExisting = true;
    await ctx.ledger.write(() => ctx.repo.recordItem(key, item.id, [...inspection.present]));
    return { item, done: inspection.present };
  }

  /** The copy to continue with; any other copy (left by an earlier unknown outcome) is deleted now. */
  private async findKept(folderId: string): Promise<FoundItem | undefined> {
    const { ctx, key, email } = this;
    const finder = ctx.finderOf(key, this.destination);
    const copies = toFoundItems(await finder.find({ mailbox: key.mailbox, folderId, signal: ctx.signal }, email));
    const { kept, strays } = chooseKept(copies, ctx.repo.get(key)?.graphId);
    for (const stray of strays) {
      ctx.logger.warn(strayLine(key.mailbox, email.archiveKey, kept!.id, stray.id, 'found before continuing the delivery'));
      await deleteItem(ctx.graph, key.mailbox, stray.id, ctx.clock, ctx.signal);
    }
    return kept;
  }

  /** Creates the item with what the create carries; `sending` and the route are on disk before the request leaves. */
  private async create(folderId: string, plan: AttachmentSplit, asDraft: boolean): Promise<{ item: FoundItem; done: Set<number> }> {
    const { ctx, key, email } = this;
    this.foundExisting = false;
    const route = this.destination.route;
    // `sending` and the route are committed together right before the request leaves (ledger.ts).
    const create = ctx.track(key, asDraft ? 'create (draft)' : 'create', { route });
    let item: FoundItem;
    try {
      const target = { mailbox: key.mailbox, folderId, signal: ctx.signal, beforeSend: create.beforeSend };
      item = toFoundItem(await this.destination.create(target, email, plan, { markAsRead: ctx.markAsRead, asDraft }));
    } catch (error) {
      // A refusal before any work (429, other 4xx) leaves `mayExist` as it was: an earlier
      // unanswered request of this delivery may still be applied (issue 22).
      if (await create.failed(error)) this.mayExist = true;
      if (error instanceof GraphRequestError && error.status === 404 && error.code === 'ErrorItemNotFound') ctx.folders.invalidate(key.mailbox);
      throw error;
    }
    this.mayExist = true;
    ctx.logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: created ${item.id}`);
    const done = new Set(plan.inline);
    // A destination that sends no request (the .eml folder) had no `beforeSend` to record its route in.
    if (!create.sent) await ctx.ledger.write(() => ctx.repo.recordRoute(key, route));
    // With nothing left to attach, markDelivered records the id (and the answer) in the same step.
    if (plan.later.length || asDraft) {
      await ctx.ledger.write(() => {
        ctx.repo.recordItem(key, item.id, [...done], asDraft ? 'landed-as-draft' : null);
        ctx.unknowns.answered(key);
      });
    }
    return { item, done };
  }

  /** Adds the attachments the create did not carry, recording each one as it lands. */
  private async attachRest(item: FoundItem, plan: AttachmentSplit, done: Set<number>): Promise<void> {
    const { ctx, key, email } = this;
    for (const index of plan.later) {
      if (done.has(index)) continue;
      const attachment = email.attachments[index]!;
      const attach = ctx.track(key, `attachment ${attachment.filename}`);
      try {
        await addAttachment(ctx.graph, key.mailbox, item.id, attachment, { clock: ctx.clock, signal: ctx.signal, chunkBytes: ctx.chunkBytes, gate: ctx.uploads, beforeSend: attach.beforeSend });
      } catch (error) {
        await attach.failed(error);
        if (!item.isDraft && refusesNonDraft(error)) await this.fallBackToDraft(item);
        else this.mayExist = true;
        throw error;
      }
      done.add(index);
      await ctx.ledger.write(() => {
        ctx.repo.recordItem(key, item.id, [...done]);
        ctx.unknowns.answered(key);
      });
    }
  }

  /** docs/decisions/graph-import.md (b): the mailbox refuses attachments on non-draft items, so every attachment lands on a draft instead. */
  private async fallBackToDraft(item: FoundItem): Promise<void> {
    const { ctx, key, email } = this;
    ctx.logger.warn(`${key.mailbox} refuses attachments on non-draft items; ${email.archiveKey} is re-created as a draft`);
    ctx.logger.warn(replacedLine(key.mailbox, email.archiveKey, item.id, 'no attachments: the mailbox refuses them on non-draft items'));
    ctx.draftOnly.add(key.mailbox);
    await deleteItem(ctx.graph, key.mailbox, item.id, ctx.clock, ctx.signal);
    await ctx.ledger.write(() => ctx.repo.forgetItem(key));
    this.mayExist = false;
  }
}
