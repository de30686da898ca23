import type { Message } from '@microsoft/microsoft-graph-types';
import type { DeliveryTarget, ItemReadback, RemoteItem } from '../model/destination';
import { type GraphClient, odataString, userPath } from './client';
import { GraphRequestError } from './errors';

/** MAPI properties read back by their tags (PidTagMessageClass, PidTagInReplyToId, PidTagInternetReferences). */
export const PR_MESSAGE_CLASS = 'String 0x001A';
const PR_IN_REPLY_TO_ID = 'String 0x1042';
const PR_INTERNET_REFERENCES = 'String 0x1039';

/**
 * Reads an item back the way a reviewer would see it: draft state, dates, class, headers,
 * conversation properties, attachment sizes. One extended property per request, because
 * `$expand=singleValueExtendedProperties($filter=...)` takes one id per filter here.
 */
export async function readGraphItem(graph: GraphClient, target: DeliveryTarget, id: string): Promise<ItemReadback> {
  const path = `${userPath(target.mailbox)}/messages/${encodeURIComponent(id)}`;
  const get = <T>(query: Record<string, string>, sub = '') => graph.request<T>({ method: 'GET', path: path + sub, query, mailbox: target.mailbox, signal: target.signal });
  const message = (await get<Message>({ $select: 'id,isDraft,isRead,sentDateTime,receivedDateTime,internetMessageId,internetMessageHeaders,conversationId' })).body;
  const property = async (tag: string): Promise<string | undefined> => {
    const found = await get<Message>({ $select: 'id', $expand: `singleValueExtendedProperties($filter=id eq ${odataString(tag)})` });
    return found.body.singleValueExtendedProperties?.[0]?.value ?? undefined;
  };
  const attachments = (await get<{ value: Array<{ name?: string; size?: number }> }>({ $select: 'name,size' }, '/attachments')).body.value;
  return {
    isDraft: message.isDraft === true,
    isRead: message.isRead ?? undefined,
    sentDateTime: message.sentDateTime ?? undefined,
    receivedDateTime: message.receivedDateTime ?? undefined,
    internetMessageId: message.internetMessageId ?? undefined,
    conversationId: message.conversationId ?? undefined,
    headers: (message.internetMessageHeaders ?? []).map((h) => ({ name: h.name ?? '', value: h.value ?? '' })),
    messageClass: await property(PR_MESSAGE_CLASS),
    inReplyTo: await property(PR_IN_REPLY_TO_ID),
    references: await property(PR_INTERNET_REFERENCES),
    attachments: attachments.map((a) => ({ name: a.name ?? '', size: a.size ?? 0 })),
  };
}

/** Copies in a folder that a `$filter` selects, oldest first. */
export async function findGraphItems(graph: GraphClient, target: DeliveryTarget, filter: string): Promise<RemoteItem[]> {
  const response = await graph.request<{ value: Message[] }>({
    method: 'GET',
    path: `${userPath(target.mailbox)}/mailFolders/${encodeURIComponent(target.folderId)}/messages`,
    query: { $filter: filter, $select: 'id,isDraft,createdDateTime', $top: '10' },
    mailbox: target.mailbox,
    signal: target.signal,
  });
  return response.body.value
    .map((m) => ({ id: m.id!, isDraft: m.isDraft === true, createdDateTime: m.createdDateTime ?? undefined }))
    .sort((a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''));
}

/** DELETE of a message; one already gone is fine. */
export async function removeGraphItem(graph: GraphClient, target: DeliveryTarget, id: string): Promise<void> {
  try {
    await graph.request({ method: 'DELETE', path: `${userPath(target.mailbox)}/messages/${encodeURIComponent(id)}`, mailbox: target.mailbox, signal: target.signal });
  } catch (error) {
    if (error instanceof GraphRequestError && error.status === 404) return;
    throw error;
  }
}
