import type { GraphCall } from '../context';
import { GraphError } from '../graph-error';
import { readJson, send } from '../http';
import { graphId, type Folder } from '../model';
import { filterOf } from '../query';
import { renderFolder } from '../render';
import { validateFolderBody } from '../validate';

/** `/users/{id}/mailFolders/{id}` and its `childFolders`. */

export function getFolder({ res, mailbox, folder }: GraphCall): void {
  send(res, 200, renderFolder(folder!, mailbox!));
}

export function listChildFolders({ res, mailbox, folder, query }: GraphCall): void {
  let folders = [...mailbox!.folders.values()].filter((f) => f.parentFolderId === folder!.id);
  const predicate = filterOf<Folder>(query, { property: (f, name) => (name === 'displayName' ? f.displayName : undefined), collection: () => undefined });
  if (predicate) folders = folders.filter(predicate);
  send(res, 200, { value: folders.map((f) => renderFolder(f, mailbox!)) });
}

export async function createFolder({ tenant, req, res, mailbox, folder: parent }: GraphCall): Promise<void> {
  const body = (await readJson(req, tenant.limits.maxRequestBytes)) as Record<string, unknown>;
  validateFolderBody(body);
  const name = body.displayName;
  if (typeof name !== 'string' || !name.trim()) throw new GraphError(400, 'ErrorInvalidRequest', 'displayName is required.');
  const exists = [...mailbox!.folders.values()].some((f) => f.parentFolderId === parent!.id && f.displayName.toLowerCase() === name.toLowerCase());
  if (exists) throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  const folder = { id: graphId('AQMk'), displayName: name, parentFolderId: parent!.id };
  mailbox!.folders.set(folder.id, folder);
  send(res, 201, renderFolder(folder, mailbox!));
}
