import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import type { ContentExportSettings } from '../../../../shared/contract/content-export';
import { ArchiverError } from '../../../../shared/errors';
import { readKeyFile, resolveSecret } from './secrets';
import type { ExportTransport, RemoteEntry } from './transport';

/** A host key as OpenSSH prints its fingerprint: SHA256:<base64 of SHA-256 of the key blob, unpadded>. */
export function openSshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** True when the presented fingerprint is one of the pinned ones. */
function isPinned(presented: string, pinned: string): boolean {
  const wanted = presented.replace(/=+$/, '');
  return pinned
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((p) => p.replace(/=+$/, '') === wanted);
}

export interface SftpOpenOptions {
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** Symphony's SFTP destination, reached with a pinned host key and key or password authentication. */
export class SftpTransport implements ExportTransport {
  private constructor(
    private readonly client: SftpClient,
    readonly description: string,
    readonly presentedFingerprint: string | null,
    private readonly dir: string,
  ) {}

  /**
   * Connects and verifies the host key before any credential is sent. Without a pinned
   * fingerprint the connection is refused (after learning the presented key, so the message can
   * show it to the officer to confirm with Symphony).
   */
  static async open(settings: ContentExportSettings, options: SftpOpenOptions = {}): Promise<SftpTransport> {
    if (!settings.host) throw new ArchiverError({ code: 'invalid-input', message: 'No SFTP server is set.', fix: 'Enter the SFTP domain shown in Symphony\'s Admin Portal (Company Settings, Export Content, SFTP).', target: 'contentExport.host' });
    if (!settings.username) throw new ArchiverError({ code: 'invalid-input', message: 'No SFTP user name is set.', fix: 'Enter the SFTP user name shown in Symphony\'s Admin Portal.', target: 'contentExport.username' });
    const auth: { privateKey?: Buffer; passphrase?: string; password?: string } = {};
    if (settings.privateKeyPath) {
      auth.privateKey = readKeyFile(settings.privateKeyPath, 'SFTP private key', 'contentExport.privateKeyPath');
      const passphrase = resolveSecret(settings.privateKeyPassphraseRef, 'SFTP key passphrase', 'contentExport.privateKeyPassphraseRef', options.env);
      if (passphrase !== undefined) auth.passphrase = passphrase;
    } else {
      const password = resolveSecret(settings.passwordRef, 'SFTP password', 'contentExport.passwordRef', options.env);
      if (password === undefined) {
        throw new ArchiverError({ code: 'invalid-input', message: 'Neither an SFTP private key nor a password is configured.', fix: 'Set the private key file (Symphony provides one) or reference the password as env:NAME or file:/path.', target: 'contentExport.privateKeyPath' });
      }
      auth.password = password;
    }
    const pinned = settings.hostKeyFingerprint;
    const where = `${settings.host}:${settings.port}`;
    const description = `sftp://${settings.username}@${where}${settings.remoteDir.startsWith('/') ? '' : '/'}${settings.remoteDir}`;
    let presented: string | null = null;
    const client = new SftpClient('symphony-content-export');
    try {
      await client.connect({
        host: settings.host,
        port: settings.port,
        username: settings.username,
        ...auth,
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        // A silently dropped connection fails after a minute instead of hanging the poll.
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        hostVerifier: (key: Buffer) => {
          presented = openSshFingerprint(key);
          return isPinned(presented, pinned);
        },
      });
    } catch (error) {
      await client.end().catch(() => undefined);
      throw connectError(error, { where, pinned, presented });
    }
    return new SftpTransport(client, description, presented, settings.remoteDir || '/');
  }

  async list(): Promise<RemoteEntry[]> {
    let entries: SftpClient.FileInfo[];
    try {
      entries = await this.client.list(this.dir);
    } catch (error) {
      throw new ArchiverError(
        { code: 'not-found', message: `The folder ${this.dir} cannot be listed on ${this.description}.`, fix: 'Check the remote folder in the connector settings against the SFTP details in Symphony\'s Admin Portal.', target: 'contentExport.remoteDir', detail: error instanceof Error ? error.message : String(error) },
        { cause: error },
      );
    }
    return entries.filter((e) => e.type === '-').map((e) => ({ name: e.name, size: e.size, modifiedAt: e.modifyTime ? new Date(e.modifyTime) : null }));
  }

  /** Waits for the local file to be closed: the client's own promise can settle before the write stream has even opened. */
  async download(name: string, localPath: string): Promise<void> {
    const file = fs.createWriteStream(localPath);
    const closed = new Promise<void>((resolve, reject) => {
      file.once('close', resolve);
      file.once('error', reject);
    });
    try {
      await this.client.get(this.remote(name), file);
    } catch (error) {
      file.destroy();
      await closed.catch(() => undefined);
      throw error;
    }
    await closed;
  }

  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const data = await this.client.get(this.remote(name));
    if (!Buffer.isBuffer(data)) throw new Error(`Unexpected SFTP answer reading ${name}`);
    return data.subarray(0, maxBytes);
  }

  async remove(name: string): Promise<void> {
    await this.client.delete(this.remote(name), true);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private remote(name: string): string {
    if (name !== path.posix.basename(name)) throw new Error(`Not a plain file name: ${name}`);
    return path.posix.join(this.dir, name);
  }
}

/** Thrown by the test call's probe so it can report the presented key without listing. */
export class UnpinnedHostKeyError extends ArchiverError {
  constructor(
    readonly presented: string,
    where: string,
  ) {
    super({
      code: 'permission-denied',
      message: `The SFTP server ${where} presented the host key ${presented}, and no fingerprint is pinned for this connector, so the connection was not used.`,
      fix: 'Confirm this fingerprint with your Symphony admin (or the server operator), paste it in Host key fingerprint, and test again.',
      target: 'contentExport.hostKeyFingerprint',
    });
  }
}

function connectError(error: unknown, ctx: { where: string; pinned: string; presented: string | null }): ArchiverError {
  const detail = error instanceof Error ? error.message : String(error);
  if (ctx.presented && ctx.pinned === '') return new UnpinnedHostKeyError(ctx.presented, ctx.where);
  if (ctx.presented && !isPinned(ctx.presented, ctx.pinned)) {
    return new ArchiverError({
      code: 'permission-denied',
      message: `Refused to connect: the SFTP server ${ctx.where} presented the host key ${ctx.presented}, but this connector is pinned to ${ctx.pinned}.`,
      fix: 'If your Symphony admin confirms this is the server\'s key (it may have changed, or the server has several keys and this is another type), paste it; otherwise do not connect: the server may be a different one, or someone may be intercepting the connection.',
      target: 'contentExport.hostKeyFingerprint',
      detail,
    });
  }
  if (/authentication|auth methods|All configured authentication methods failed/i.test(detail)) {
    return new ArchiverError({ code: 'auth-failed', message: `The SFTP server ${ctx.where} did not accept the configured credentials.`, fix: 'Check the user name and the private key (or password) Symphony gave for the export destination.', target: 'contentExport.username', detail });
  }
  if (/Cannot parse privateKey|privateKey|passphrase/i.test(detail)) {
    return new ArchiverError({ code: 'invalid-input', message: 'The SFTP private key could not be read (wrong format or wrong passphrase).', fix: 'Use the OpenSSH or PEM private key Symphony provided, and check the passphrase reference.', target: 'contentExport.privateKeyPath', detail });
  }
  return new ArchiverError({ code: 'unreachable', message: `The SFTP server ${ctx.where} could not be reached.`, fix: 'Check the SFTP domain and port, and that this computer may connect to it (firewall, proxy).', target: 'contentExport.host', detail });
}
