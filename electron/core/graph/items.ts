import type { Message } from '@microsoft/microsoft-graph-types';
import { withRetry } from '../platform/retry';
import type { Clock } from '../platform/clock';
import { type GraphClient, odataString, userPath } from './client';
import { classifyGraphError, GraphRequestError } from './errors';
import { ARCHIVE_KEY_PROPERTY } from './message';

/** An archive item as found in a mailbox folder. */
export interface FoundItem {
  id: string;
  isDraft: boolean;
  createdDateTime: string;
}

/**
 * Every copy of an archive item in the folder, found by its archive key (a named MAPI property
 * set on create; docs/decisions/graph-import.md (a) 5). More than one copy only ever exists after
 * an unknown outcome; 50 is far above anything a fault can make.
 */
export async function findCopies(graph: GraphClient, mailbox: string, folderId: string, archiveKey: string, signal?: AbortSignal): Promise<FoundItem[]> {
  const response = await graph.request<{ value: Message[] }>({
    method: 'GET',
    path: `${userPath(mailbox)}/mailFolders/${encodeURIComponent(folderId)}/messages`,
    query: {
      $filter: `singleValueExtendedProperties/any(ep: ep/id eq ${odataString(ARCHIVE_KEY_PROPERTY)} and ep/value eq ${odataString(archiveKey)})`,
      $select: 'id,isDraft,createdDateTime',
      $top: '50',
    },
    mailbox,
    signal,
  });
  return response.body.value.map((m) => ({ id: m.id!, isDraft: m.isDraft === true, createdDateTime: m.createdDateTime ?? '' }));
}

/**
 * Which copy to keep: the one the ledger recorded, else the oldest (ties broken by id, so two
 * processes looking at the same copies always keep the same one). The rest are strays.
 */
export function chooseKept(copies: readonly FoundItem[], ledgerId: string | null | undefined): { kept?: FoundItem; strays: FoundItem[] } {
  const sorted = [...copies].sort((a, b) => Number(b.id === ledgerId) - Number(a.id === ledgerId) || a.createdDateTime.localeCompare(b.createdDateTime) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { kept: sorted[0], strays: sorted.slice(1) };
}

/** Deletes an item; one already gone counts as deleted. */
export async function deleteItem(graph: GraphClient, mailbox: string, id: string, clock: Clock, signal?: AbortSignal): Promise<void> {
  await withRetry(
    async () => {
      try {
        await graph.request({ method: 'DELETE', path: `${userPath(mailbox)}/messages/${encodeURIComponent(id)}`, mailbox, signal });
      } catch (error) {
        if (error instanceof GraphRequestError && error.status === 404) return;
        throw error;
      }
    },
    { ...graph.retry, classify: classifyGraphError, clock, signal, attempts: 8 },
  );
}

/**
 * The run-log line that is the evidence of a stray copy's removal, with both item ids. It is
 * written before the DELETE goes out (the file log is synchronous), so a kill can never leave a
 * deletion without its line; a line whose DELETE did not happen is repeated by the next look-up.
 */
export function strayLine(mailbox: string, archiveKey: string, keptId: string, strayId: string, why: string): string {
  return `stray copy deleted: ${archiveKey} in ${mailbox}: kept ${keptId}, deleted ${strayId} (${why})`;
}

/** The same evidence for a kept copy that had to be replaced (an attachment twice, or different bytes). */
export function replacedLine(mailbox: string, archiveKey: string, deletedId: string, why: string): string {
  return `replaced copy deleted: ${archiveKey} in ${mailbox}: deleted ${deletedId}, created again (it carried ${why})`;
}
