import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { withRetry } from '../platform/retry';
import type { Clock } from '../platform/clock';
import type { DeliveryRepository } from '../store/repos/deliveries';
import { type GraphClient, odataString, userPath } from './client';
import { classifyGraphError, isGraphError } from './errors';

/**
 * Finds or creates Inbox/<name> once per mailbox. The id is cached in memory and in the store;
 * concurrent callers in this process share one lookup, and a creation conflict with another
 * worker or process (409 ErrorFolderExists) is resolved by reading the folder the other created.
 */
export class FolderResolver {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly graph: GraphClient,
    private readonly repo: DeliveryRepository,
    private readonly connectorId: string,
    private readonly folderName: string,
    private readonly clock: Clock,
  ) {}

  ensure(mailbox: string, signal?: AbortSignal): Promise<string> {
    const cached = this.repo.folderId(this.connectorId, mailbox, this.folderName);
    if (cached) return Promise.resolve(cached);
    let promise = this.pending.get(mailbox);
    if (!promise) {
      promise = this.resolve(mailbox, signal).finally(() => this.pending.delete(mailbox));
      this.pending.set(mailbox, promise);
    }
    return promise;
  }

  /** The cached id turned out wrong (folder deleted or renamed): look it up again next time. */
  invalidate(mailbox: string): void {
    this.repo.forgetFolder(this.connectorId, mailbox, this.folderName);
  }

  private async resolve(mailbox: string, signal?: AbortSignal): Promise<string> {
    const id = await withRetry(
      async () => {
        const found = await this.find(mailbox, signal);
        if (found) return found;
        try {
          const created = await this.graph.request<MailFolder>({
            method: 'POST',
            path: `${userPath(mailbox)}/mailFolders/inbox/childFolders`,
            body: { displayName: this.folderName },
            mailbox,
            signal,
          });
          return created.body.id!;
        } catch (error) {
          if (isGraphError(error, 409)) {
            const raced = await this.find(mailbox, signal);
            if (raced) return raced;
          }
          throw error;
        }
      },
      { ...this.graph.retry, classify: classifyGraphError, clock: this.clock, signal, attempts: 8 },
    );
    this.repo.saveFolderId(this.connectorId, mailbox, this.folderName, id);
    return id;
  }

  private async find(mailbox: string, signal?: AbortSignal): Promise<string | undefined> {
    const response = await this.graph.request<{ value: MailFolder[] }>({
      method: 'GET',
      path: `${userPath(mailbox)}/mailFolders/inbox/childFolders`,
      query: { $filter: `displayName eq ${odataString(this.folderName)}`, $select: 'id,displayName' },
      mailbox,
      signal,
    });
    return response.body.value[0]?.id ?? undefined;
  }
}
