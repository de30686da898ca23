import type { GraphCall, Tenant } from '../context';
import { GraphError } from '../graph-error';
import { JSON_TYPE, mediaType, readBody, readJson, send } from '../http';
import { graphId, messageSize, type StoredMessage } from '../model';
import { filterOf } from '../query';
import { renderMessage } from '../render';
import { validateMessage } from '../validate';

/** `…/mailFolders/{id}/messages` (create, list) and `…/messages/{id}` (read, patch, delete). */

export async function createMessage(call: GraphCall): Promise<void> {
  const { tenant, req, res, mailbox, folder } = call;
  const contentType = mediaType(req);
  const now = new Date(tenant.now()).toISOString();
  let message: StoredMessage;
  if (contentType === 'text/plain') message = await fromMimeBody(call, folder!.id, now);
  else if (contentType === JSON_TYPE) message = await fromJsonBody(call, folder!.id, now);
  else throw new GraphError(415, 'UnsupportedMediaType', `Content-Type '${contentType}' is not supported.`);
  if (messageSize(message) > tenant.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  mailbox!.messages.set(message.id, message);
  tenant.counters.created++;
  send(res, 201, renderMessage(message, mailbox!, null, null));
}

/** A MIME create: base64 RFC 822. No extended properties can travel with it, so it is a draft. */
async function fromMimeBody({ tenant, req }: GraphCall, folderId: string, now: string): Promise<StoredMessage> {
  const raw = (await readBody(req, tenant.limits.maxRequestBytes)).toString('utf8').trim();
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(raw)) throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  const mime = Buffer.from(raw, 'base64').toString('utf8');
  return { id: graphId(), folderId, createdDateTime: now, lastModifiedDateTime: now, sentDateTime: now, receivedDateTime: now, isDraft: true, isRead: true, fields: { subject: /^Subject: (.*)$/m.exec(mime)?.[1] ?? '' }, extended: [], headers: [], attachments: [], mime };
}

async function fromJsonBody({ tenant, req }: GraphCall, folderId: string, now: string): Promise<StoredMessage> {
  const valid = validateMessage(await readJson(req, tenant.limits.maxRequestBytes));
  const message: StoredMessage = {
    id: graphId(),
    folderId,
    createdDateTime: now,
    lastModifiedDateTime: now,
    sentDateTime: valid.sentDateTime ?? now,
    receivedDateTime: valid.receivedDateTime ?? now,
    isDraft: valid.isDraft,
    isRead: valid.isRead,
    fields: valid.fields,
    extended: valid.extended,
    headers: valid.headers,
    attachments: valid.attachments.map((a) => tenant.directory.storeAttachment(a, now)),
  };
  // Carried in their own members of the stored message, not as plain fields.
  delete message.fields.attachments;
  delete message.fields.singleValueExtendedProperties;
  delete message.fields.internetMessageHeaders;
  return message;
}

export function listMessages({ tenant, res, mailbox, folder, query }: GraphCall): void {
  let messages = [...mailbox!.messages.values()].filter((m) => m.folderId === folder!.id);
  const predicate = filterOf<StoredMessage>(query, {
    property: (m, name) => (name === 'internetMessageId' ? (m.fields.internetMessageId as string | undefined) : name === 'subject' ? (m.fields.subject as string | undefined) : undefined),
    collection: (m, name) => (name === 'singleValueExtendedProperties' ? m.extended : undefined),
  });
  if (predicate) messages = messages.filter(predicate);
  const top = Math.min(1000, Number(query.get('$top') ?? 10));
  const skip = Number(query.get('$skip') ?? 0);
  const page = messages.slice(skip, skip + top);
  const body: Record<string, unknown> = { value: page.map((m) => renderMessage(m, mailbox!, query.get('$select'), query.get('$expand'))) };
  if (skip + top < messages.length) body['@odata.nextLink'] = nextLink(tenant, `users/${mailbox!.user.id}/mailFolders/${folder!.id}/messages`, query, skip + top);
  send(res, 200, body);
}

function nextLink(tenant: Tenant, path: string, query: URLSearchParams, skip: number): string {
  const next = new URL(`${tenant.baseUrl()}/v1.0/${path}`);
  query.forEach((v, k) => next.searchParams.set(k, v));
  next.searchParams.set('$skip', String(skip));
  return next.toString();
}

export function getMessage({ res, mailbox, message, query }: GraphCall): void {
  send(res, 200, renderMessage(message!, mailbox!, query.get('$select'), query.get('$expand')));
}

export function patchMessage({ tenant, req, res, mailbox, message }: GraphCall): Promise<void> {
  return tenant.importMime.patch(req, res, mailbox!, message!, tenant.claimsOf(req));
}

export function deleteMessage({ tenant, res, mailbox, message }: GraphCall): void {
  mailbox!.messages.delete(message!.id);
  tenant.directory.deleted.push({ id: message!.id, userPrincipalName: mailbox!.user.userPrincipalName, extended: message!.extended, at: new Date(tenant.now()).toISOString() });
  res.writeHead(204).end();
}
