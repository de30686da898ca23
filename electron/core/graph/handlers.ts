import path from 'node:path';
import type { Connector } from '../../../shared/contract';
import { NodeSecretCipher, type SecretCipher } from '../platform/secrets';
import { silentLogger, type Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import { packageInfo } from '../platform/package-root';
import type { ConnectorRepository } from '../store/repos/connectors';
import type { Store } from '../store/database';
import { DeliveryRepository } from '../store/repos/deliveries';
import type { HandlersOf } from '../../../shared/contract/define';
import type { calls } from '../../../shared/contract';
import { GraphAuth, graphBaseUrlOf, loadAuthPages, type OpenBrowser } from './auth/msal';
import { GraphClient } from './client';
import { checkMailboxes } from './permissions';
import { MailboxThrottle } from './throttle';

export interface GraphAccessDeps {
  connectors: ConnectorRepository;
  paths: AppPaths;
  logger?: Logger;
  /** The host's cipher (Electron: safeStorage); the Node key file otherwise. */
  cipher?: SecretCipher;
  /** The host's way to show the sign-in page (Electron: shell.openExternal). */
  openBrowser?: OpenBrowser;
  /** Where auth-success.html and auth-error.html are; the package's resources/ by default. */
  resourcesDir?: string;
}

/**
 * One sign-in and one Graph client (with its per-mailbox throttle) per connector, rebuilt when
 * the connector's Microsoft settings change. The run pipeline gets its client from `clientFor`.
 */
export class GraphAccess {
  private readonly cipher: SecretCipher;
  private readonly entries = new Map<string, { key: string; auth: GraphAuth; client: GraphClient }>();

  constructor(private readonly deps: GraphAccessDeps) {
    this.cipher = deps.cipher ?? new NodeSecretCipher(deps.paths.secrets);
  }

  authFor(connector: Pick<Connector, 'id' | 'settings'>): GraphAuth {
    return this.entry(connector).auth;
  }

  clientFor(connector: Pick<Connector, 'id' | 'settings'>): GraphClient {
    return this.entry(connector).client;
  }

  private entry(connector: Pick<Connector, 'id' | 'settings'>) {
    const settings = connector.settings.microsoft;
    const key = JSON.stringify(settings);
    const existing = this.entries.get(connector.id);
    if (existing && existing.key === key) return existing;
    const pages = loadAuthPages(this.deps.resourcesDir ?? defaultResourcesDir());
    const auth = new GraphAuth({ connectorId: connector.id, settings, secretsDir: this.deps.paths.secrets, cipher: this.cipher, openBrowser: this.deps.openBrowser, logger: this.deps.logger ?? silentLogger, ...pages });
    const client = new GraphClient({ baseUrl: graphBaseUrlOf(settings), getToken: () => auth.getToken(), throttle: new MailboxThrottle() });
    const entry = { key, auth, client };
    this.entries.set(connector.id, entry);
    return entry;
  }
}

function defaultResourcesDir(): string {
  try {
    return path.join(packageInfo().root, 'resources');
  } catch {
    return path.resolve('resources');
  }
}

/** The contract calls of the import domain: sign-in state, sign-in/out, mailbox permission checks. */
export function importHandlers(deps: GraphAccessDeps & { store: Store; access?: GraphAccess }): Partial<HandlersOf<typeof calls>> {
  const access = deps.access ?? new GraphAccess(deps);
  return {
    'auth.status': ({ connectorId }) => access.authFor(deps.connectors.get(connectorId)).status(),
    'auth.signIn': ({ connectorId }) => access.authFor(deps.connectors.get(connectorId)).signIn(),
    'auth.signOut': ({ connectorId }) => access.authFor(deps.connectors.get(connectorId)).signOut(),
    'import.checkPermissions': async ({ connectorId, mailboxes }) => {
      const connector = deps.connectors.get(connectorId);
      // Without a list: every mailbox the connector has deliveries for.
      const targets = mailboxes ?? new DeliveryRepository(deps.store).mailboxes(connectorId);
      return { checks: await checkMailboxes(access.clientFor(connector), targets) };
    },
  };
}
