import pLimit from 'p-limit';
import type { MappingSettings } from '../../../shared/contract/mapping';
import { ArchiverError, errorText } from '../../../shared/errors';
import type { Participant } from '../model/captured';
import { systemClock, type Clock } from '../platform/clock';
import { retriesExhausted } from '../platform/retry';
import { silentLogger, type Logger } from '../platform/logger';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { MappingRepository, type CachedDirectoryEntry } from '../store/repos/mapping';
import type { DirectoryLookup } from './directory';

export const FOUND_TTL_MS = 24 * 60 * 60 * 1000;
export const NOT_FOUND_TTL_MS = 60 * 60 * 1000;

export type ParticipantOutcome = 'custom' | 'automatic' | 'unmapped' | 'excluded' | 'external';

export interface ParticipantResolution {
  participant: Participant;
  how: ParticipantOutcome;
  /** The participant's own mailbox (lowercase UPN), null when none. */
  mailbox: string | null;
  /** Copies from the participant's custom row ("also deliver to"). */
  alsoDeliverTo: string[];
}

export interface Recipients {
  /** Every mailbox that receives the item: deduplicated, lowercase. */
  mailboxes: string[];
  /** Internal participants without a mailbox; the item is held back for them. */
  unmapped: Participant[];
  excluded: Participant[];
  /** From other firms: in the headers, never delivered to. */
  external: Participant[];
  /** True when nobody was mapped and the connector's fallback mailbox received the item. */
  fallbackUsed: boolean;
  resolutions: ParticipantResolution[];
}

export interface HeldDelivery {
  itemId: number;
  mailbox: string;
  /** The participant the item had been held for. */
  userId: string;
}

export interface MappingServiceOptions {
  store: Store;
  connectors: ConnectorRepository;
  /** The tenant directory of a connector; absent when automatic mapping cannot ask Graph. */
  directoryFor?: (connectorId: string) => DirectoryLookup | undefined;
  clock?: Clock;
  logger?: Logger;
  foundTtlMs?: number;
  notFoundTtlMs?: number;
  /** Directory look-ups in flight at once. */
  lookupConcurrency?: number;
  /** After a look-up failed through all its retries, how long others fail at once instead of retrying too (default 60 s). */
  directoryPauseMs?: number;
}

/**
 * Decides who receives an item. An item's participants are the members of its conversation at
 * the time plus its sender; every internal participant with a mailbox receives it in their own
 * mailbox, as Microsoft's own Symphony connector does. A custom row (by user id, then e-mail)
 * wins over the directory; external participants never receive; participants without a mailbox
 * hold the item back until they are mapped (see releaseHeldItems).
 */
export class MappingService {
  readonly repo: MappingRepository;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly foundTtl: number;
  private readonly notFoundTtl: number;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Map<string, Promise<CachedDirectoryEntry>>();
  /** Per connector: look-ups that failed through all their retries lately, by address. */
  private readonly exhausted = new Map<string, Map<string, { at: number; error: unknown }>>();

  constructor(private readonly options: MappingServiceOptions) {
    this.repo = new MappingRepository(options.store);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).scope('mapping');
    this.foundTtl = options.foundTtlMs ?? FOUND_TTL_MS;
    this.notFoundTtl = options.notFoundTtlMs ?? NOT_FOUND_TTL_MS;
    this.limit = pLimit(options.lookupConcurrency ?? 4);
  }

  settings(connectorId: string): MappingSettings {
    return this.options.connectors.get(connectorId).settings.mapping;
  }

  /** Who receives an item with these participants. Asks the directory for addresses not cached. */
  async resolveRecipients(connectorId: string, participants: readonly Participant[]): Promise<Recipients> {
    const settings = this.settings(connectorId);
    const unique = dedupeParticipants(participants);
    const resolutions = await Promise.all(unique.map((p) => this.resolveParticipant(connectorId, p, settings)));
    const mailboxes = new Set<string>();
    const result: Recipients = { mailboxes: [], unmapped: [], excluded: [], external: [], fallbackUsed: false, resolutions };
    for (const r of resolutions) {
      if (r.how === 'external') result.external.push(r.participant);
      else if (r.how === 'excluded') result.excluded.push(r.participant);
      else if (r.how === 'unmapped') result.unmapped.push(r.participant);
      if (r.mailbox) mailboxes.add(r.mailbox);
      for (const copy of r.alsoDeliverTo) mailboxes.add(copy);
    }
    if (mailboxes.size === 0 && settings.fallbackMailbox) {
      mailboxes.add(settings.fallbackMailbox.toLowerCase());
      result.fallbackUsed = true;
    }
    result.mailboxes = [...mailboxes].sort();
    return result;
  }

  /**
   * Records the item's participants (for the editor and the unmapped report) and holds it for the
   * unmapped ones. Synchronous so the pipeline can call it inside the transaction that enqueues
   * the item's deliveries; recording the same item again changes nothing.
   */
  recordItem(connectorId: string, item: { id: number; timestamp: number }, recipients: Recipients): void {
    this.options.store.transaction(() => {
      this.repo.recordItem(
        connectorId,
        item.id,
        item.timestamp,
        recipients.resolutions.map((r) => r.participant),
        recipients.unmapped.map((p) => p.userId),
        new Date(this.clock.now()).toISOString(),
      );
    });
  }

  /** resolveRecipients, then recordItem and `enqueue` in one transaction: both happen or neither. */
  async resolveAndRecord<T>(
    connectorId: string,
    item: { id: number; timestamp: number },
    participants: readonly Participant[],
    enqueue: (recipients: Recipients) => T,
  ): Promise<{ recipients: Recipients; result: T }> {
    const recipients = await this.resolveRecipients(connectorId, participants);
    const result = this.options.store.transaction(() => {
      this.recordItem(connectorId, item, recipients);
      return enqueue(recipients);
    });
    return { recipients, result };
  }

  /**
   * The (item, mailbox) pairs held back for participants who now have a mailbox, each to that
   * participant's own mailbox only. `enqueue` runs inside the transaction that marks them released,
   * so if it throws nothing is released, and once it returns they are never returned again:
   * exactly once. Call it at the start of each run, before new items are resolved.
   */
  async releaseHeldItems(connectorId: string, enqueue: (deliveries: HeldDelivery[]) => void): Promise<HeldDelivery[]> {
    const settings = this.settings(connectorId);
    const held = this.repo.heldParticipants(connectorId).filter((p) => !p.external);
    // Refresh the directory answers first (async), then decide and release in one transaction.
    await Promise.all(
      held.map(async (p) => {
        const custom = this.repo.findCustomFor(connectorId, p.userId, p.email);
        if (custom?.mapping.exclude || custom?.mapping.targetUpn || settings.mode !== 'automatic' || !p.email) return;
        try {
          await this.lookup(connectorId, p.email);
        } catch (error) {
          this.logger.warn(`directory look-up for ${p.email} failed; its held items wait for the next run`, error);
        }
      }),
    );
    return this.options.store.transaction(() => {
      const now = new Date(this.clock.now()).toISOString();
      const deliveries: HeldDelivery[] = [];
      const released: { userId: string; itemIds: number[]; mailbox: string }[] = [];
      const seen = new Set<string>();
      for (const p of held) {
        const mailbox = this.mailboxFromStore(connectorId, p, settings);
        if (!mailbox) continue;
        const itemIds = this.repo.heldItems(connectorId, p.userId);
        released.push({ userId: p.userId, itemIds, mailbox });
        for (const itemId of itemIds) {
          // Two held participants now mapped to one mailbox: one delivery.
          if (seen.has(`${itemId}\n${mailbox}`)) continue;
          seen.add(`${itemId}\n${mailbox}`);
          deliveries.push({ itemId, mailbox, userId: p.userId });
        }
      }
      if (deliveries.length > 0) enqueue(deliveries);
      for (const r of released) this.repo.markReleased(connectorId, r.userId, r.itemIds, r.mailbox, now);
      return deliveries;
    });
  }

  /** A participant's own mailbox from what is stored (custom rows, cached directory answers). */
  private mailboxFromStore(connectorId: string, p: { userId: string; email: string; external: boolean }, settings: MappingSettings): string | null {
    if (p.external) return null;
    const custom = this.repo.findCustomFor(connectorId, p.userId, p.email)?.mapping;
    if (custom?.exclude) return null;
    if (custom?.targetUpn) return custom.targetUpn.toLowerCase();
    if (settings.mode !== 'automatic' || !p.email) return null;
    const cached = this.repo.cacheGet(connectorId, p.email);
    return cached?.found && cached.upn ? cached.upn : null;
  }

  private async resolveParticipant(connectorId: string, participant: Participant, settings: MappingSettings): Promise<ParticipantResolution> {
    if (participant.external) return { participant, how: 'external', mailbox: null, alsoDeliverTo: [] };
    const custom = this.repo.findCustomFor(connectorId, participant.userId, participant.email)?.mapping;
    if (custom?.exclude) return { participant, how: 'excluded', mailbox: null, alsoDeliverTo: [] };
    const alsoDeliverTo = (custom?.alsoDeliverTo ?? []).map((a) => a.toLowerCase());
    if (custom?.targetUpn) return { participant, how: 'custom', mailbox: custom.targetUpn.toLowerCase(), alsoDeliverTo };
    if (settings.mode === 'automatic' && participant.email) {
      const entry = await this.lookup(connectorId, participant.email);
      if (entry.found && entry.upn) return { participant, how: 'automatic', mailbox: entry.upn, alsoDeliverTo };
    }
    return { participant, how: 'unmapped', mailbox: null, alsoDeliverTo };
  }

  /**
   * The directory's answer for an address, from the cache while it is fresh. When the directory
   * cannot be asked, a stale answer is better than stopping the run; with none, the error stands.
   */
  async lookup(connectorId: string, email: string): Promise<CachedDirectoryEntry> {
    const address = email.trim().toLowerCase();
    const cached = this.repo.cacheGet(connectorId, address);
    if (cached && cached.expiresAt > this.clock.now()) return cached;
    const flightKey = `${connectorId}\n${address}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) return pending;
    const promise = this.limit(() => this.askDirectory(connectorId, address, cached)).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, promise);
    return promise;
  }

  /**
   * Whether a look-up of `address` should fail at once: it failed through all its retries within
   * the pause (60 s), or so did several addresses (the directory is down). One address that keeps
   * failing does not stop the others' look-ups, and neither it nor an outage makes every later
   * look-up wait out the whole backoff again.
   */
  private directoryDown(connectorId: string, address: string): { error: unknown } | null {
    const failures = this.exhausted.get(connectorId);
    if (!failures) return null;
    const since = this.clock.now() - (this.options.directoryPauseMs ?? 60_000);
    for (const [key, f] of failures) if (f.at < since) failures.delete(key);
    const own = failures.get(address);
    if (own) return own;
    return failures.size >= 3 ? [...failures.values()].at(-1)! : null;
  }

  private async askDirectory(connectorId: string, address: string, stale: CachedDirectoryEntry | undefined): Promise<CachedDirectoryEntry> {
    const directory = this.options.directoryFor?.(connectorId);
    try {
      const down = this.directoryDown(connectorId, address);
      if (down) {
        // The directory just failed through every retry: waiting out the whole backoff again for
        // each other address would stall the run for hours. These items wait for the next run.
        throw new ArchiverError({
          code: 'unreachable',
          message: `The Microsoft 365 directory did not answer; the look-up of ${address} waits for the next run.`,
          fix: 'Nothing to do if it was an outage or throttling; otherwise check the network and the app\'s User.Read.All permission.',
          target: address,
          detail: errorText(down.error),
        });
      }
      if (!directory) {
        throw new ArchiverError({
          code: 'auth-failed',
          message: 'Automatic mapping needs the connection to Microsoft 365, which is not set up for this connector.',
          fix: 'Sign in to Microsoft 365 in the connector settings, or switch mapping to custom rows only.',
          target: 'settings.microsoft',
        });
      }
      const found = await directory.findMailbox(address);
      this.exhausted.get(connectorId)?.delete(address);
      const now = this.clock.now();
      const entry = found
        ? { found: true, upn: found.upn.toLowerCase(), mail: found.mail.toLowerCase(), displayName: found.displayName }
        : { found: false, upn: null, mail: null, displayName: null };
      const expiresAt = now + (found ? this.foundTtl : this.notFoundTtl);
      this.options.store.transaction(() => this.repo.cachePut(connectorId, address, entry, new Date(now).toISOString(), expiresAt));
      return { ...entry, expiresAt };
    } catch (error) {
      if (retriesExhausted(error)) {
        const failures = this.exhausted.get(connectorId) ?? new Map<string, { at: number; error: unknown }>();
        failures.set(address, { at: this.clock.now(), error });
        this.exhausted.set(connectorId, failures);
      }
      if (stale) {
        this.logger.warn(`directory look-up for ${address} failed; using the answer cached earlier`, error);
        return stale;
      }
      throw error;
    }
  }
}

/** One entry per Symphony user (the sender is usually a member too); the first occurrence wins. */
export function dedupeParticipants(participants: readonly Participant[]): Participant[] {
  const seen = new Set<string>();
  const unique: Participant[] = [];
  for (const p of participants) {
    const key = p.userId || `email:${p.email.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  return unique;
}

/**
 * An item's participants: the conversation's members at the time of the item, plus its sender
 * (who may have left the conversation since, or be missing from a partial membership list).
 */
export function itemParticipants(members: readonly Participant[], sender: Participant): Participant[] {
  return dedupeParticipants([sender, ...members]);
}
