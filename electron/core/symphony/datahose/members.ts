import pLimit from 'p-limit';
import { ArchiverError } from '../../../../shared/errors';
import type { Logger } from '../../platform/logger';
import type { CaptureWriter } from '../../store/repos/capture-writer';
import type { MemberRecord } from '../../store/repos/conversations';
import type { DatahoseRepository, MemberGap } from '../../store/repos/datahose';
import type { SymphonyClient } from '../client';
import { toMemberList, type ListedParticipant } from '../capture-steps';
import { describeFailure } from '../errors';
import type { SessionInfo } from '../schemas';

/** A conversation's member list as read, or why it could not be. */
export type MemberListRead = { members: MemberRecord[]; participants: ListedParticipant[] } | { reason: string };

/**
 * Member lists of conversations new to the store, read through the admin API. A list that cannot
 * be read, for whatever reason (a 400 for another pod's stream, a 403 without the role, a pod
 * that keeps failing), is a gap: the batch is stored with what its events carry and acknowledged,
 * so that one conversation never blocks the feed. Only cancellation stops the batch.
 */
export async function readMemberLists(client: SymphonyClient, self: SessionInfo, streamIds: readonly string[], concurrency: number, logger: Logger): Promise<Map<string, MemberListRead>> {
  const lists = new Map<string, MemberListRead>();
  const limit = pLimit(concurrency);
  await Promise.all(
    streamIds.map((streamId) =>
      limit(async () => {
        const list = await readMemberList(client, self, streamId);
        if ('reason' in list) logger.warn(`members of ${streamId} cannot be read (${list.reason}); its senders and room events stand in for the member list until a later run reads it`);
        lists.set(streamId, list);
      }),
    ),
  );
  return lists;
}

/** One member list, or why it could not be read; throws only when cancelled. */
async function readMemberList(client: SymphonyClient, self: SessionInfo, streamId: string): Promise<MemberListRead> {
  try {
    return toMemberList(await client.allMembers(streamId), self);
  } catch (error) {
    if (ArchiverError.is(error) && error.code === 'cancelled') throw error;
    return { reason: describeFailure(error, streamId).message };
  }
}

/** Reads the member lists earlier runs could not; returns how many gaps it filled. */
export async function fillGaps(
  ctx: { client: SymphonyClient; self: SessionInfo; repo: DatahoseRepository; writer: CaptureWriter; connectorId: string; concurrency: number; now: () => Date; logger: Logger },
): Promise<number> {
  const gaps = ctx.repo.openGaps(ctx.connectorId);
  let filled = 0;
  const limit = pLimit(ctx.concurrency);
  await Promise.all(
    gaps.map((gap) =>
      limit(async () => {
        const list = await readMemberList(ctx.client, ctx.self, gap.streamId);
        if ('reason' in list) {
          ctx.repo.memberGapStillOpen(ctx.connectorId, gap.streamId, list.reason, ctx.now());
          return;
        }
        // The list, its users and the gap's end, in one transaction.
        ctx.writer.write(
          { participants: list.participants.map((participant) => ({ participant, resolved: true })), memberLists: [{ streamId: gap.streamId, members: list.members }] },
          () => ctx.repo.closeMemberGap(ctx.connectorId, gap.streamId, ctx.now()),
        );
        filled++;
        ctx.logger.info(`members of ${gap.streamId} read at last (${list.members.length}); the gap opened ${gap.openedAt} is filled`);
      }),
    ),
  );
  return filled;
}

/** The warning a run gives for a gap still open, until a run fills it. */
export function gapWarning(gap: MemberGap): string {
  return `The member list of conversation ${gap.streamId} could not be read (${gap.reason}; ${gap.attempts} attempt${gap.attempts === 1 ? '' : 's'} since ${gap.openedAt}): its messages are archived with their senders as the members; a later run reads the list when Symphony gives it.`;
}
