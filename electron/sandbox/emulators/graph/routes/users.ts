import type { GraphCall } from '../context';
import { GraphError } from '../graph-error';
import { send } from '../http';
import type { EmulatedUser, Mailbox } from '../model';
import { filterOf } from '../query';
import { renderUser } from '../render';

/** `/users` and `/users/{id | userPrincipalName}`: the directory, and whose mailbox can be reached. */

/** A user's mailbox, or Exchange's answer for a user without one or outside the app's reach. */
export function reachableMailbox(call: Pick<GraphCall, 'tenant'>, user: EmulatedUser): Mailbox {
  if (user.mailbox === 'none') throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  if (user.mailbox === 'unlicensed') throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'REST API is not yet supported for this mailbox.');
  if (user.mailbox === 'denied') throw new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled: Access is denied. Check credentials and try again.');
  return call.tenant.directory.mailboxes.get(user.id)!;
}

export function listUsers({ tenant, res, query }: GraphCall): void {
  let users = [...tenant.directory.users.values()];
  const predicate = filterOf<EmulatedUser>(query, {
    property: (u, name) => (name === 'mail' ? (u.mail ?? undefined) : name === 'userPrincipalName' ? u.userPrincipalName : name === 'id' ? u.id : name === 'displayName' ? u.displayName : undefined),
    collection: (u, name) => (name === 'proxyAddresses' ? u.proxyAddresses : undefined),
  });
  if (predicate) users = users.filter(predicate);
  const top = Math.min(999, Number(query.get('$top') ?? 100));
  send(res, 200, { value: users.slice(0, top).map((u) => renderUser(u, query.get('$select'))) });
}

export function getUser({ res, user, query }: GraphCall): void {
  send(res, 200, renderUser(user!, query.get('$select')));
}
