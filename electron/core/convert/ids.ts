import { sha256Hex } from '../platform/hash';
import { isUrlSafeId, toUrlSafeId } from '../model/symphony-id';

/**
 * Identifiers of converted e-mails. All are pure functions of the captured data, so converting
 * an item again (after a crash, on another machine, for a preview) gives the same ids, and the
 * same bytes.
 *
 *   Message-ID (per message)   <{message-id}@{pod}.symphony.archive>
 *   thread root (per stream)   <stream.{stream-id}@{pod}.symphony.archive>   (never a real message)
 *   transcript (per day)       <transcript.{stream-id}.{yyyy-mm-dd}[.{part}]@{pod}.symphony.archive>
 *   archive key (per message)  {connectorId}:m:{message-id}
 *   archive key (per day)      {connectorId}:d:{stream-id}:{yyyy-mm-dd}[:{part}]
 *
 * Symphony ids are normalised to URL-safe base64 without padding (the API sends both forms);
 * an id with any other character is replaced by a hash so that it can never break the header.
 */

export const ARCHIVE_DOMAIN = 'symphony.archive';

/** A Symphony id as the e-mail's ids and headers carry it: URL-safe, or a hash when it is not an id at all. */
export function headerSafeId(id: string): string {
  const normalised = toUrlSafeId(id.trim());
  return isUrlSafeId(normalised) && normalised.length <= 200 ? normalised : `h${sha256Hex(id).slice(0, 32)}`;
}

/** The right-hand side of every id: the pod's host name under a domain no real mail uses. */
export function archiveDomain(pod: string): string {
  const host = pod
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/:].*$/, '')
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '');
  return `${host || 'pod'}.${ARCHIVE_DOMAIN}`;
}

export function messageIdFor(pod: string, symphonyMessageId: string): string {
  return `<${headerSafeId(symphonyMessageId)}@${archiveDomain(pod)}>`;
}

/** Every message of a conversation references this id, so mail clients thread them together. */
export function threadRootIdFor(pod: string, streamId: string): string {
  return `<stream.${headerSafeId(streamId)}@${archiveDomain(pod)}>`;
}

export function transcriptIdFor(pod: string, streamId: string, day: string, part?: string): string {
  return `<transcript.${headerSafeId(streamId)}.${day}${part ? `.${part}` : ''}@${archiveDomain(pod)}>`;
}

export function messageArchiveKey(connectorId: string, symphonyMessageId: string): string {
  return `${connectorId}:m:${headerSafeId(symphonyMessageId)}`;
}

export function transcriptArchiveKey(connectorId: string, streamId: string, day: string, part?: string): string {
  return `${connectorId}:d:${headerSafeId(streamId)}:${day}${part ? `:${part}` : ''}`;
}

/** Content-ID of an inline image: unique within its message, stable across conversions. */
export function contentIdFor(pod: string, ownerId: string, index: number, attachmentId: string): string {
  return `img${index}.${sha256Hex(`${ownerId}\u0000${attachmentId}`).slice(0, 16)}@${archiveDomain(pod)}`;
}

/**
 * The multipart boundary. It is fixed per item (byte-identical output) and also depends on the
 * bodies, so a chat message cannot contain the boundary of its own e-mail: the sender would have
 * to know a hash of the very text they are writing.
 */
export function boundaryFor(archiveKey: string, html: string, text: string): string {
  return sha256Hex(`${archiveKey}\u0000${html}\u0000${text}`).slice(0, 32);
}

export { threadIndexFor } from '../model/normalise';

/** yyyy-mm-dd of the UTC day the timestamp falls in. */
export function utcDay(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(0, 10);
}

export function utcDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}
