import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type { GraphCall, Tenant } from '../context';
import { GraphError } from '../graph-error';
import { readBody, readJson, send } from '../http';
import { graphId, messageSize, type StoredAttachment, type UploadSession } from '../model';
import { validateUploadSessionBody } from '../validate';
import { assertAttachable } from './attachments';

/**
 * Large attachments: `…/attachments/createUploadSession`, then PUT fragments to the upload URL
 * it returns (no Authorization header there, fragments of 320 KiB multiples, in order).
 */

const MAX_SESSION_BYTES = 150 * 1024 * 1024;
const FRAGMENT_UNIT = 320 * 1024;
/** Without a blob folder, a session up to this size keeps its bytes in memory; a larger one only its hash and size. */
const IN_MEMORY_MAX = 8 * 1024 * 1024;

export async function createUploadSession(call: GraphCall): Promise<void> {
  const { tenant, req, res, mailbox, message } = call;
  const body = (await readJson(req, tenant.limits.maxRequestBytes)) as Record<string, unknown>;
  validateUploadSessionBody(body);
  const item = body.AttachmentItem as Record<string, unknown> | undefined;
  const extra = Object.keys(body).filter((k) => k !== 'AttachmentItem');
  if (!item || typeof item !== 'object' || extra.length) throw new GraphError(400, 'RequestBodyRead', 'The request body must contain exactly one AttachmentItem.');
  if (item.attachmentType !== 'file') throw new GraphError(405, 'ErrorAttachmentSessionIsSupportedOnlyForFileAttachments', 'Unsupported Attachment type specified. Only File attachments can be uploaded using an Upload Session.');
  const size = item.size;
  if (typeof item.name !== 'string' || !item.name || typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw new GraphError(400, 'ErrorInvalidRequest', 'AttachmentItem needs a name and a positive size.');
  }
  if (size > MAX_SESSION_BYTES) throw new GraphError(400, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'The attachment exceeds the 150 MB limit of an upload session.');
  assertAttachable(call, message!);
  if (messageSize(message!) + size > tenant.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  const id = graphId('AAMkSess');
  const session: UploadSession = {
    id,
    token: randomBytes(24).toString('base64url'),
    mailboxUserId: mailbox!.user.id,
    messageId: message!.id,
    name: item.name,
    contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
    isInline: item.isInline === true,
    contentId: typeof item.contentId === 'string' ? item.contentId : undefined,
    size,
    received: 0,
    hash: createHash('sha256'),
    file: tenant.directory.newSessionFile(id),
    chunks: tenant.directory.blobDir ? undefined : size <= IN_MEMORY_MAX ? [] : undefined,
    expiresAt: tenant.now() + tenant.limits.sessionTtlMs,
  };
  tenant.directory.sessions.set(id, session);
  const base = tenant.baseUrl();
  send(res, 201, {
    '@odata.context': `${base}/v1.0/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: `${base}/upload/${id}?authtoken=${session.token}`,
    expirationDateTime: new Date(session.expiresAt).toISOString(),
    nextExpectedRanges: ['0-'],
  });
}

/** `/upload/{session}`: PUT a fragment, or DELETE the session. */
export async function uploadFragment(tenant: Tenant, req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<void> {
  const session = openSession(tenant, req, url);
  if (method === 'DELETE') {
    tenant.directory.sessions.delete(session.id);
    if (session.file) fs.rmSync(session.file, { force: true });
    res.writeHead(204).end();
    return;
  }
  if (method !== 'PUT') throw new GraphError(405, 'ErrorInvalidRequest', 'Upload sessions accept PUT and DELETE only.');
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
  const length = Number(req.headers['content-length'] ?? -1);
  if (!range) {
    req.resume();
    throw new GraphError(400, 'ErrorInvalidRequest', 'A Content-Range header of the form bytes a-b/total is required.');
  }
  const start = Number(range[1]);
  const end = Number(range[2]);
  const total = Number(range[3]);
  const chunk = await readBody(req, tenant.limits.maxRequestBytes);
  if (total !== session.size) throw new GraphError(400, 'ErrorInvalidRequest', `The total size ${total} does not match the session's ${session.size}.`);
  if (end < start || chunk.length !== end - start + 1 || length !== chunk.length) throw new GraphError(400, 'ErrorInvalidRequest', 'Content-Range and Content-Length do not match the body.');
  if (start !== session.received) throw new GraphError(416, 'InvalidRange', `Expected the fragment to start at ${session.received}.`);
  const last = end + 1 === session.size;
  if (!last && chunk.length % FRAGMENT_UNIT !== 0) throw new GraphError(400, 'ErrorInvalidRequest', 'Fragments other than the last must be a multiple of 320 KiB.');
  session.hash.update(chunk);
  if (session.file) fs.appendFileSync(session.file, chunk);
  else session.chunks?.push(chunk);
  session.received = end + 1;
  if (last) return completeSession(tenant, res, session);
  send(res, 200, { expirationDateTime: new Date(session.expiresAt).toISOString(), nextExpectedRanges: [`${session.received}-`] });
}

/** The session the URL names, if its token matches, it has not expired and no Graph token came with it. */
function openSession(tenant: Tenant, req: http.IncomingMessage, url: URL): UploadSession {
  const session = tenant.directory.sessions.get(url.pathname.split('/')[2] ?? '');
  if (!session || session.token !== url.searchParams.get('authtoken')) {
    req.resume();
    throw new GraphError(404, 'ErrorItemNotFound', 'The upload session was not found.');
  }
  if (req.headers.authorization) {
    req.resume();
    throw new GraphError(401, 'InvalidAudience', "The audience claim value is invalid for current resource. Audience claim is 'https://graph.microsoft.com', request url is an upload session.");
  }
  if (session.expiresAt <= tenant.now()) {
    tenant.directory.sessions.delete(session.id);
    req.resume();
    throw new GraphError(404, 'ErrorItemNotFound', 'The upload session has expired.');
  }
  return session;
}

/** The last fragment arrived: the attachment joins its message. */
function completeSession(tenant: Tenant, res: http.ServerResponse, session: UploadSession): void {
  tenant.directory.sessions.delete(session.id);
  const mailbox = tenant.directory.mailboxes.get(session.mailboxUserId);
  const message = mailbox?.messages.get(session.messageId);
  if (!mailbox || !message) throw new GraphError(404, 'ErrorItemNotFound', 'The item of this upload session no longer exists.');
  const attachment: StoredAttachment = {
    id: graphId('AAMkAtt'),
    name: session.name,
    contentType: session.contentType,
    size: session.size,
    isInline: session.isInline,
    contentId: session.contentId,
    sha256: session.hash.digest('hex'),
    bytes: session.chunks ? Buffer.concat(session.chunks) : undefined,
    file: session.file,
    lastModifiedDateTime: new Date(tenant.now()).toISOString(),
  };
  message.attachments.push(attachment);
  tenant.counters.uploadsCompleted++;
  res.writeHead(201, { Location: `${tenant.baseUrl()}/v1.0/users('${mailbox.user.id}')/messages('${message.id}')/attachments('${attachment.id}')`, 'Content-Length': 0 });
  res.end();
}
