import path from 'node:path';
import { Dispatcher, type PartialHandlers } from '../../electron/core/app/dispatcher';
import { mappingHandlers, type MappingHandlerDeps } from '../../electron/core/mapping/handlers';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { migration0001 } from '../../electron/core/store/migrations/0001_foundation';
import { migration0004 } from '../../electron/core/store/migrations/0004_mapping';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import type { DirectoryLookup, DirectoryMailbox } from '../../electron/core/mapping/directory';
import type { Participant } from '../../electron/core/model/captured';
import type { ConnectorSettings } from '../../shared/contract';

/** A real SQLite file with the foundation and mapping steps (mapping does not need the others). */
export function openMappingStore(dir: string, name = 'mapping.db'): { store: Store; connectors: ConnectorRepository } {
  const store = Store.open(path.join(dir, name), { migrations: [migration0001, migration0004] });
  return { store, connectors: new ConnectorRepository(store) };
}

export function createConnector(connectors: ConnectorRepository, name: string, mapping: Partial<ConnectorSettings['mapping']> = {}) {
  return connectors.create(name, { mapping: { mode: 'automatic', fallbackMailbox: '', ...mapping } });
}

export interface TenantUser {
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  proxyAddresses?: string[];
  userType?: 'Member' | 'Guest';
}

/**
 * A tenant directory with the matching rules of Graph's `mail eq`, `userPrincipalName eq` and
 * `proxyAddresses/any(a:a eq 'smtp:…')`: case-insensitive, guests and users without a mailbox
 * are not mailboxes. It counts look-ups so that tests can see the cache at work.
 */
export class InMemoryDirectory implements DirectoryLookup {
  readonly asked: string[] = [];
  failing = false;

  constructor(public users: TenantUser[] = []) {}

  async findMailbox(email: string): Promise<DirectoryMailbox | null> {
    this.asked.push(email);
    await Promise.resolve();
    if (this.failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const address = email.toLowerCase();
    const user = this.users.find(
      (u) =>
        u.userType !== 'Guest' &&
        u.mail !== null &&
        (u.mail.toLowerCase() === address ||
          u.userPrincipalName.toLowerCase() === address ||
          (u.proxyAddresses ?? []).some((p) => p.toLowerCase() === `smtp:${address}`)),
    );
    return user ? { upn: user.userPrincipalName.toLowerCase(), mail: user.mail!.toLowerCase(), displayName: user.displayName } : null;
  }
}

export function person(userId: string, email: string, extra: Partial<Participant> = {}): Participant {
  return { userId, email, displayName: extra.displayName ?? email.split('@')[0] ?? userId, external: false, ...extra };
}

/** The mapping calls behind the real contract boundary (validation, typed errors). */
export function mappingApi(deps: MappingHandlerDeps): Dispatcher {
  return new Dispatcher(mappingHandlers(deps) as PartialHandlers, silentLogger);
}
