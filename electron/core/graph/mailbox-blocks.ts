import { errorText } from '../../../shared/errors';
import type { Logger } from '../platform/logger';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { GraphClient } from './client';
import type { FolderResolver } from './folders';
import type { ImportTally } from './import-tally';
import { checkMailbox, mailboxBlock, mailboxProblem } from './permissions';

/** Why a mailbox cannot be written, as recorded on its blocked deliveries. */
export type MailboxProblem = NonNullable<ReturnType<typeof mailboxBlock>>;

/** Thrown by `ensureFolder` for a mailbox found unwritable: its deliveries are already blocked. */
export class MailboxUnwritable extends Error {}

export interface MailboxBlocksDeps {
  repo: DeliveryRepository;
  connectorId: string;
  folders: FolderResolver;
  logger: Logger;
  tally: ImportTally;
  signal?: AbortSignal;
  /** The mailbox's open deliveries were just blocked (`count` of them): nothing more of it may start. */
  onBlocked: (mailbox: string, count: number) => void;
}

/**
 * Per-mailbox blocking within one import: the one owner of "this mailbox cannot be written". The
 * first delivery (or folder look-up) that finds it so blocks every open delivery of the mailbox,
 * once, with the reason (a gap the officer sees, never a skip); later ones of it are blocked
 * without another request.
 */
export class MailboxBlocks {
  private readonly unwritable = new Map<string, MailboxProblem>();

  constructor(private readonly deps: MailboxBlocksDeps) {}

  isUnwritable(mailbox: string): boolean {
    return this.unwritable.has(mailbox);
  }

  /** Whether this failure of a delivery means its mailbox cannot be written (or was found so already). */
  problemFor(error: unknown, mailbox: string): MailboxProblem | undefined {
    return mailboxBlock(error, mailbox) ?? this.unwritable.get(mailbox);
  }

  /** The mailbox cannot be written: this delivery and every open one of the mailbox are blocked, once. */
  block(key: DeliveryKey, problem: MailboxProblem): void {
    const { repo, tally, logger } = this.deps;
    repo.markBlocked(key, problem.reason, problem.message);
    tally.blocked(1);
    if (this.unwritable.has(key.mailbox)) return;
    this.unwritable.set(key.mailbox, problem);
    const more = repo.blockMailbox(this.deps.connectorId, key.mailbox, problem.reason, problem.message);
    tally.blocked(more);
    this.deps.onBlocked(key.mailbox, more);
    logger.warn(`${key.mailbox}: ${problem.message}; ${more + 1} deliveries blocked until it can be written`);
  }

  /** The mailbox's archive folder; a mailbox that cannot be written is blocked and `MailboxUnwritable` thrown. */
  async ensureFolder(mailbox: string): Promise<string> {
    try {
      return await this.deps.folders.ensure(mailbox, this.deps.signal);
    } catch (error) {
      const problem = mailboxProblem(error, mailbox);
      if (!problem?.reason || problem.reason === 'unreachable') throw error;
      if (!this.unwritable.has(mailbox)) {
        const found = { reason: problem.reason, message: problem.message ?? `${mailbox} cannot be written.` };
        this.unwritable.set(mailbox, found);
        const blocked = this.deps.repo.blockMailbox(this.deps.connectorId, mailbox, found.reason, found.message);
        this.deps.tally.blocked(blocked);
        this.deps.onBlocked(mailbox, blocked);
        this.deps.logger.warn(`${mailbox}: ${found.message}; ${blocked} deliveries blocked until it can be written`);
      }
      throw new MailboxUnwritable(problem.message);
    }
  }

  /** The mailboxes found unwritable in this import, for its summary. */
  list(): Array<{ mailbox: string; reason: string }> {
    return [...this.unwritable].map(([mailbox, p]) => ({ mailbox, reason: p.message }));
  }
}

/**
 * Before anything else, every mailbox blocked by an earlier run is asked again (a read of its
 * Inbox): one that can be written now gets its blocked deliveries back in the queue, so this run
 * delivers its backlog; one that still cannot keeps them blocked, with the latest reason.
 */
export async function recheckBlocked(
  deps: { graph: GraphClient; repo: DeliveryRepository; connectorId: string; logger: Logger; signal?: AbortSignal },
): Promise<Array<{ mailbox: string; deliveries: number }>> {
  const { graph, repo, connectorId, logger, signal } = deps;
  const unblocked: Array<{ mailbox: string; deliveries: number }> = [];
  for (const blocked of repo.blockedMailboxes(connectorId)) {
    if (signal?.aborted) break;
    try {
      const check = await checkMailbox(graph, blocked.mailbox, signal);
      if (check.ok) {
        const deliveries = repo.unblockMailbox(connectorId, blocked.mailbox);
        unblocked.push({ mailbox: blocked.mailbox, deliveries });
        logger.info(`${blocked.mailbox} can be written again; its ${deliveries} blocked deliveries are sent now`);
      } else if (check.reason && check.reason !== 'unreachable') {
        repo.reblockMailbox(connectorId, blocked.mailbox, check.reason, check.message ?? blocked.message);
      }
    } catch (error) {
      logger.warn(`${blocked.mailbox}: the re-check failed (${errorText(error)}); its deliveries stay blocked`);
    }
  }
  return unblocked;
}
