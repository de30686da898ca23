import type { GraphCall, Tenant } from '../context';
import { GraphError } from '../graph-error';
import { Router, type Params, type Route } from '../router';
import { addAttachment, attachmentValue, getAttachment, listAttachments } from './attachments';
import { createFolder, getFolder, listChildFolders } from './folders';
import { createMessage, deleteMessage, getMessage, listMessages, patchMessage } from './messages';
import { createUploadSession } from './upload-session';
import { getUser, listUsers, reachableMailbox } from './users';

/** The v1.0 routes the emulator serves: one line each, by resource. */

const folder = 'users/{user}/mailFolders/{folder}';
const onMessage = (method: string) => new GraphError(400, 'BadRequest', `Unsupported request ${method} on a message.`);
const usePost = () => new GraphError(405, 'ErrorInvalidRequest', 'Use POST.');

/** A message is reached through its folder or directly under the user; both serve the same calls. */
function messageRoutes(message: string): Route<GraphCall>[] {
  const attachments = `${message}/attachments`;
  return [
    { method: 'GET', path: message, handle: getMessage, wrongMethod: onMessage },
    { method: 'PATCH', path: message, handle: patchMessage, wrongMethod: onMessage },
    { method: 'DELETE', path: message, handle: deleteMessage, wrongMethod: onMessage },
    { method: 'GET', path: attachments, handle: listAttachments, wrongMethod: onMessage },
    { method: 'POST', path: attachments, handle: addAttachment, wrongMethod: onMessage },
    { method: 'POST', path: `${attachments}/createUploadSession`, handle: createUploadSession, wrongMethod: usePost },
    { method: 'POST', path: `${attachments}/microsoft.graph.createUploadSession`, handle: createUploadSession, wrongMethod: usePost },
    { method: 'GET', path: `${attachments}/{attachment}`, handle: getAttachment, wrongMethod: onMessage },
    { method: 'GET', path: `${attachments}/{attachment}/$value`, handle: attachmentValue, wrongMethod: onMessage },
  ];
}

const router = new Router<GraphCall>([
  { method: 'GET', path: 'users', handle: listUsers },
  { method: 'GET', path: 'users/{user}', handle: getUser },
  { method: 'GET', path: folder, handle: getFolder },
  { method: 'GET', path: `${folder}/childFolders`, handle: listChildFolders },
  { method: 'POST', path: `${folder}/childFolders`, handle: createFolder },
  { method: 'GET', path: `${folder}/messages`, handle: listMessages },
  { method: 'POST', path: `${folder}/messages`, handle: createMessage },
  ...messageRoutes(`${folder}/messages/{message}`),
  ...messageRoutes('users/{user}/messages/{message}'),
]);

/** Serves one `/v1.0/…` request: the route of its path, the resources it names, then its method. */
export async function routeV1(tenant: Tenant, call: Omit<GraphCall, 'tenant'>, url: URL): Promise<void> {
  const parts = url.pathname.slice('/v1.0/'.length).split('/').map(decodeURIComponent);
  if (parts[0] !== 'users') throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${parts[0]}'.`);
  const match = router.match(parts);
  const unsupported = new GraphError(400, 'BadRequest', `Unsupported request ${call.method} ${url.pathname}.`);
  if (!match) throw unsupported;
  // Graph answers a missing user, folder, message or attachment before it looks at the method.
  const resolved = { ...call, tenant, ...resolve(tenant, match.params) };
  const route = match.routes.find((r) => r.method === call.method);
  if (!route) throw match.routes[0]!.wrongMethod?.(call.method) ?? unsupported;
  await route.handle(resolved);
}

/** The resources a path names, in path order; the first that does not exist is the answer (404). */
function resolve(tenant: Tenant, params: Params): Partial<GraphCall> {
  if (params.user === undefined) return {};
  const user = tenant.directory.findUser(params.user);
  if (!user) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${params.user}' is invalid.`);
  if (params.folder === undefined && params.message === undefined) return { user };
  const mailbox = reachableMailbox({ tenant }, user);
  const notFound = () => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const folder = params.folder === undefined ? undefined : tenant.directory.folder(mailbox, params.folder);
  if (params.folder !== undefined && !folder) throw notFound();
  const message = params.message === undefined ? undefined : mailbox.messages.get(params.message);
  if (params.message !== undefined && !message) throw notFound();
  const attachment = params.attachment === undefined ? undefined : message?.attachments.find((a) => a.id === params.attachment);
  if (params.attachment !== undefined && !attachment) throw notFound();
  return { user, mailbox, folder, message, attachment };
}
