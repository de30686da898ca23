import fs from 'node:fs';
import path from 'node:path';
import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  LogLevel,
  ProtocolMode,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
} from '@azure/msal-node';
import { microsoftClouds, type AuthStatus, type MicrosoftSettings } from '../../../../shared/contract';
import { ArchiverError, errorText } from '../../../../shared/errors';
import type { SecretCipher } from '../../platform/secrets';
import { silentLogger, type Logger } from '../../platform/logger';
import { EncryptedCachePlugin } from './cache-plugin';
import { loadClientCertificate } from './certificate';
import { CaTrustingNetworkClient } from './network';

/** The host shows the sign-in page: Electron opens the system browser, the browser host a link. */
export type OpenBrowser = (url: string) => Promise<void>;

export interface GraphAuthOptions {
  connectorId: string;
  settings: MicrosoftSettings;
  /** <dataDir>/secrets: the sealed token cache lives here. */
  secretsDir: string;
  cipher: SecretCipher;
  openBrowser?: OpenBrowser;
  /** Pages the loopback server shows after the browser step (resources/auth-*.html). */
  successHtml?: string;
  errorHtml?: string;
  /** Extra CA to trust for the sign-in endpoints (tests, TLS-inspecting proxies). */
  tlsCa?: string | Buffer;
  logger?: Logger;
}

const MICROSOFT_AUTHORITY_HOSTS = new Set(Object.values(microsoftClouds).map((c) => new URL(c.authorityHost).host));

export function authorityHostOf(settings: MicrosoftSettings): string {
  return (settings.authorityHost || microsoftClouds[settings.cloud].authorityHost).replace(/\/+$/, '');
}

export function graphBaseUrlOf(settings: MicrosoftSettings): string {
  return (settings.graphBaseUrl || microsoftClouds[settings.cloud].graphBaseUrl).replace(/\/+$/, '');
}

/** The Graph resource's .default scope: what the app registration was granted. */
export function graphScope(settings: MicrosoftSettings): string {
  return `${microsoftClouds[settings.cloud].graphBaseUrl}/.default`;
}

/**
 * Signs a connector in to Microsoft 365 with MSAL Node and hands out access tokens for Graph.
 * Interactive (the officer, auth code + PKCE on a loopback redirect, then silent renewal from the
 * sealed cache) or certificate (client credentials, unattended). Tokens are never written in
 * plain text: the cache goes through the host's SecretCipher.
 */
export class GraphAuth {
  private readonly cache: EncryptedCachePlugin;
  private readonly logger: Logger;
  private publicApp?: PublicClientApplication;
  private confidentialApp?: ConfidentialClientApplication;
  private last?: AuthenticationResult;
  private inflight?: Promise<AuthenticationResult>;

  private readonly cacheFile: string;

  constructor(private options: GraphAuthOptions) {
    this.cacheFile = path.join(options.secretsDir, `msal-${options.connectorId}.bin`);
    this.cache = new EncryptedCachePlugin(this.cacheFile, options.cipher);
    this.logger = (options.logger ?? silentLogger).scope('auth');
  }

  /** Trusts one more CA for the sign-in endpoints from now on (a TLS-inspecting proxy's root). */
  trustCa(ca: string | Buffer): void {
    this.options.tlsCa = ca;
    this.publicApp = undefined;
    this.confidentialApp = undefined;
  }

  get mode(): MicrosoftSettings['authMode'] {
    return this.options.settings.authMode;
  }

  /** A valid access token for Graph, renewed silently; throws `auth-failed` when the officer must sign in. */
  async getToken(): Promise<string> {
    // Single flight: a run starts with many requests at once; they share one token request
    // instead of racing the identity provider with parallel client assertions.
    this.inflight ??= this.acquire(false).finally(() => (this.inflight = undefined));
    return (await this.inflight).accessToken;
  }

  async signIn(): Promise<AuthStatus> {
    if (this.mode === 'certificate') {
      await this.acquire(true);
      return this.status();
    }
    if (!this.options.openBrowser) {
      throw new ArchiverError({ code: 'internal', message: 'This host cannot open a browser for signing in.', fix: 'Sign in from the desktop app or the browser host.' });
    }
    const app = this.publicClient();
    this.last = await app.acquireTokenInteractive({
      scopes: [graphScope(this.options.settings)],
      openBrowser: this.options.openBrowser,
      successTemplate: this.options.successHtml,
      errorTemplate: this.options.errorHtml,
      // Entra ID lets the officer pick the account. A standard OpenID provider only grants
      // offline_access (the refresh token silent renewal needs) with prompt=consent (OIDC Core §11).
      prompt: this.isMicrosoftAuthority() ? 'select_account' : 'consent',
    });
    this.logger.info(`connector ${this.options.connectorId}: signed in as ${this.last.account?.username ?? 'unknown'}`);
    return this.status();
  }

  async signOut(): Promise<AuthStatus> {
    if (this.mode === 'interactive') {
      const app = this.publicClient();
      for (const account of await app.getTokenCache().getAllAccounts()) await app.getTokenCache().removeAccount(account);
    }
    await this.cache.clear();
    this.last = undefined;
    this.publicApp = undefined;
    this.confidentialApp = undefined;
    return this.status();
  }

  async status(): Promise<AuthStatus> {
    const base = { connectorId: this.options.connectorId, mode: this.mode } as const;
    const problem = this.configurationProblem();
    if (problem) return { ...base, signedIn: false, problem };
    try {
      const result = await this.acquire(false);
      return { ...base, signedIn: true, account: result.account?.username || (this.mode === 'certificate' ? `app ${this.options.settings.clientId}` : undefined), expiresAt: result.expiresOn?.toISOString() };
    } catch (error) {
      return { ...base, signedIn: false, problem: ArchiverError.is(error) ? [error.message, error.detail].filter(Boolean).join(' — ') : String(error) };
    }
  }

  private configurationProblem(): string | undefined {
    const s = this.options.settings;
    if (!s.tenantId) return 'The tenant id is not set.';
    if (!s.clientId) return 'The application (client) id is not set.';
    if (s.authMode === 'certificate' && !s.certificatePath) return 'No certificate file is set for unattended sign-in.';
    return undefined;
  }

  private async acquire(force: boolean): Promise<AuthenticationResult> {
    const problem = this.configurationProblem();
    if (problem) throw new ArchiverError({ code: 'invalid-input', message: problem, fix: 'Complete the Microsoft 365 settings of the connector.', target: 'settings.microsoft' });
    if (this.mode === 'interactive' && (this.last || this.publicApp) && !fs.existsSync(this.cacheFile)) {
      // The sealed cache is where the sign-in lives for every process on this data folder (the
      // app signing out removes it): gone means signed out, also for a token still in memory.
      this.logger.warn(`connector ${this.options.connectorId}: the sign-in cache is gone; signing in again is needed`);
      this.last = undefined;
      this.publicApp = undefined;
    }
    if (!force && this.last?.expiresOn && this.last.expiresOn.getTime() - Date.now() > 5 * 60_000) return this.last;
    const scopes = [graphScope(this.options.settings)];
    try {
      if (this.mode === 'certificate') {
        const result = await this.confidentialClient().acquireTokenByClientCredential({ scopes, skipCache: force });
        if (!result) throw new Error('No token was returned.');
        this.last = result;
        return result;
      }
      const app = this.publicClient();
      const account = await this.account(app);
      if (!account) throw signInRequired(this.options.connectorId, 'Nobody is signed in to Microsoft 365 for this connector.');
      this.last = await app.acquireTokenSilent({ account, scopes, forceRefresh: force });
      return this.last;
    } catch (error) {
      if (ArchiverError.is(error)) throw error;
      const interaction = error instanceof InteractionRequiredAuthError;
      if (interaction && this.mode === 'interactive') throw signInRequired(this.options.connectorId, 'The Microsoft 365 sign-in of this connector has expired.', error);
      throw new ArchiverError(
        {
          code: 'auth-failed',
          message: interaction ? 'The Microsoft 365 sign-in has expired.' : 'Signing in to Microsoft 365 failed.',
          fix: interaction ? 'Sign in again.' : 'Check the tenant id, the application id, the certificate and the network.',
          target: this.options.connectorId,
          detail: errorText(error),
        },
        { cause: error },
      );
    }
  }

  private async account(app: PublicClientApplication): Promise<AccountInfo | undefined> {
    const accounts = await app.getTokenCache().getAllAccounts();
    return accounts[0];
  }

  private isMicrosoftAuthority(): boolean {
    return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHostOf(this.options.settings)).host);
  }

  private baseConfig(): Configuration {
    const s = this.options.settings;
    const host = authorityHostOf(s);
    const url = new URL(host);
    const microsoft = MICROSOFT_AUTHORITY_HOSTS.has(url.host);
    const config: Configuration = {
      auth: {
        clientId: s.clientId,
        authority: `${host}/${s.tenantId}`,
        // A non-Microsoft authority (an on-premises or test OpenID provider) is trusted by name and
        // spoken to as plain OpenID Connect.
        ...(microsoft ? {} : { knownAuthorities: [url.host] }),
      },
      cache: { cachePlugin: this.cache },
      system: {
        ...(microsoft ? {} : { protocolMode: ProtocolMode.OIDC }),
        loggerOptions: {
          logLevel: LogLevel.Warning,
          piiLoggingEnabled: false,
          loggerCallback: (level, message) => (level <= LogLevel.Error ? this.logger.error(message) : this.logger.debug(message)),
        },
      },
    };
    if (this.options.tlsCa) config.system!.networkClient = new CaTrustingNetworkClient(this.options.tlsCa);
    return config;
  }

  private publicClient(): PublicClientApplication {
    this.publicApp ??= new PublicClientApplication(this.baseConfig());
    return this.publicApp;
  }

  private confidentialClient(): ConfidentialClientApplication {
    if (!this.confidentialApp) {
      const cert = loadClientCertificate(this.options.settings.certificatePath);
      const config = this.baseConfig();
      config.auth.clientCertificate = { privateKey: cert.privateKey, thumbprintSha256: cert.thumbprintSha256, x5c: cert.x5c };
      this.confidentialApp = new ConfidentialClientApplication(config);
    }
    return this.confidentialApp;
  }
}

/** What stops a run's Graph stage at once (docs/runs.md, `needs-sign-in`): retrying cannot help. */
export const SIGN_IN_FIX = 'Sign in again in the app (connector settings → Microsoft 365), or use a certificate for unattended runs.';

export function signInRequired(connectorId: string, message: string, cause?: unknown): ArchiverError {
  return new ArchiverError(
    { code: 'sign-in-required', message, fix: SIGN_IN_FIX, target: connectorId, detail: cause instanceof Error ? cause.message : undefined },
    { cause },
  );
}

/** The friendly pages shown in the browser after sign-in, from resources/. */
export function loadAuthPages(resourcesDir: string): { successHtml?: string; errorHtml?: string } {
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(resourcesDir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  return { successHtml: read('auth-success.html'), errorHtml: read('auth-error.html') };
}
