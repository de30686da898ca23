import type { MailboxCheck } from '../../../shared/contract';
import { type GraphClient, userPath } from './client';
import { GraphNetworkError, GraphRequestError } from './errors';

/**
 * Why a mailbox cannot be written, from Graph's answer to reading its Inbox. Graph says
 * `ErrorInvalidUser`/`ResourceNotFound` for an unknown user, `MailboxNotEnabledForRESTAPI` for a
 * user without an Exchange Online mailbox (never had one, or unlicensed), `ErrorAccessDenied` (403)
 * when an application access policy or missing permission keeps the app out.
 */
export function mailboxProblem(error: unknown, mailbox: string): MailboxCheck | undefined {
  if (error instanceof GraphRequestError) {
    if (error.code === 'MailboxNotEnabledForRESTAPI') {
      const unlicensed = /not yet supported|license/i.test(error.message);
      return {
        mailbox,
        ok: false,
        reason: unlicensed ? 'not-licensed' : 'no-mailbox',
        message: unlicensed
          ? `${mailbox} has no Exchange Online license, so its mailbox cannot be written.`
          : `${mailbox} has no Exchange Online mailbox (inactive, soft-deleted or on-premises).`,
      };
    }
    if (error.status === 404) return { mailbox, ok: false, reason: 'not-found', message: `${mailbox} is not a user of this tenant.` };
    if (error.status === 403) return { mailbox, ok: false, reason: 'access-denied', message: `The archiver is not allowed to write to ${mailbox} (access denied).` };
  }
  return undefined;
}

/**
 * The same question while delivering: did this failed request fail because the mailbox itself
 * cannot be written? Narrower than `mailboxProblem`: a 404 about an item or a folder
 * (`ErrorItemNotFound`) is not a mailbox problem, nor is anything worth retrying.
 */
export function mailboxBlock(error: unknown, mailbox: string): { reason: 'no-mailbox' | 'not-licensed' | 'access-denied' | 'not-found'; message: string } | undefined {
  if (!(error instanceof GraphRequestError)) return undefined;
  if (error.status === 404 && !['MailboxNotEnabledForRESTAPI', 'ErrorInvalidUser', 'ResourceNotFound', 'Request_ResourceNotFound'].includes(error.code)) return undefined;
  if (error.status !== 404 && error.status !== 403) return undefined;
  const problem = mailboxProblem(error, mailbox);
  if (!problem || problem.ok || !problem.reason || problem.reason === 'unreachable') return undefined;
  return { reason: problem.reason, message: problem.message ?? `${mailbox} cannot be written.` };
}

export async function checkMailbox(graph: GraphClient, mailbox: string, signal?: AbortSignal): Promise<MailboxCheck> {
  try {
    await graph.request({ method: 'GET', path: `${userPath(mailbox)}/mailFolders/inbox`, query: { $select: 'id' }, mailbox, signal });
    return { mailbox, ok: true };
  } catch (error) {
    const problem = mailboxProblem(error, mailbox);
    if (problem) return problem;
    if (error instanceof GraphNetworkError || (error instanceof GraphRequestError && error.status >= 500)) {
      return { mailbox, ok: false, reason: 'unreachable', message: `Microsoft 365 could not be reached to check ${mailbox}.` };
    }
    throw error;
  }
}

export async function checkMailboxes(graph: GraphClient, mailboxes: readonly string[], signal?: AbortSignal): Promise<MailboxCheck[]> {
  return Promise.all(mailboxes.map((mailbox) => checkMailbox(graph, mailbox, signal)));
}
