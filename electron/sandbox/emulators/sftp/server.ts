import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, SFTPWrapper } from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

export interface SftpUser {
  username: string;
  password?: string;
  /** OpenSSH public key line ("ssh-ed25519 AAAA… comment"). */
  publicKey?: string;
}

export interface SftpServerOptions {
  /** The folder served as the SFTP root (clients cannot leave it). */
  root: string;
  users: SftpUser[];
  /** PEM/OpenSSH host private key; one is generated when absent. */
  hostKey?: string;
}

export interface RunningSftpServer {
  host: string;
  port: number;
  /** SHA256:… as OpenSSH prints it. */
  hostKeyFingerprint: string;
  /** The host public key as an OpenSSH line ("ssh-ed25519 AAAA…"). */
  hostPublicKey: string;
  /** Authentication attempts seen (a refused host key means none). */
  readonly authAttempts: number;
  /** Files removed by clients (paths relative to the root). */
  readonly removed: string[];
  close(): Promise<void>;
}

/** An ed25519 key pair in OpenSSH format, for host keys and client keys in tests. */
export function generateSshKeyPair(comment = 'test'): { privateKey: string; publicKey: string } {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}

/**
 * A real SFTP server (ssh2's Server with the SFTP subsystem) on 127.0.0.1, port 0, serving a
 * folder with password and public-key authentication. Only what an SFTP download client needs
 * is implemented: realpath, stat, directory listing, reading, writing and removing files.
 */
export async function startSftpServer(options: SftpServerOptions): Promise<RunningSftpServer> {
  const hostKey = options.hostKey ?? generateSshKeyPair('host').privateKey;
  const parsedHost = utils.parseKey(hostKey);
  if (parsedHost instanceof Error) throw parsedHost;
  const hostParsed = (Array.isArray(parsedHost) ? parsedHost[0] : parsedHost) as ParsedKey;
  const fingerprint = `SHA256:${createHash('sha256').update(hostParsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  const state = { authAttempts: 0, removed: [] as string[] };
  const connections = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      state.authAttempts++;
      authenticate(ctx, options.users);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), options.root, state.removed));
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('SFTP server has no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    hostKeyFingerprint: fingerprint,
    hostPublicKey: `${hostParsed.type} ${hostParsed.getPublicSSH().toString('base64')}`,
    get authAttempts() {
      return state.authAttempts;
    },
    removed: state.removed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}

function authenticate(ctx: AuthContext, users: SftpUser[]): void {
  const user = users.find((u) => u.username === ctx.username);
  if (!user) return ctx.reject(['password', 'publickey']);
  if (ctx.method === 'password' && user.password !== undefined) {
    const a = Buffer.from(ctx.password);
    const b = Buffer.from(user.password);
    return a.length === b.length && timingSafeEqual(a, b) ? ctx.accept() : ctx.reject(['password', 'publickey']);
  }
  if (ctx.method === 'publickey' && user.publicKey) {
    const parsed = utils.parseKey(user.publicKey);
    const allowed = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | Error;
    if (allowed instanceof Error) return ctx.reject();
    if (ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject(['password', 'publickey']);
    // Without a signature the client only asks whether this key would do.
    if (!ctx.signature) return ctx.accept();
    return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
  }
  ctx.reject(['password', 'publickey']);
}

/** The handles a client holds in one SFTP session: open files and listed directories, by number. */
class Handles {
  readonly files = new Map<number, { fd: number }>();
  readonly dirs = new Map<number, { path: string; done: boolean }>();
  private next = 1;

  add(entry: { fd: number } | { path: string; done: boolean }): Buffer {
    const id = this.next++;
    if ('fd' in entry) this.files.set(id, entry);
    else this.dirs.set(id, entry);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id);
    return b;
  }

  static idOf(handle: Buffer): number {
    return handle.length === 4 ? handle.readUInt32BE(0) : -1;
  }
}

/** One SFTP session: a folder served as the root (paths are normalised so a client cannot leave it). */
interface SftpSession {
  sftp: SFTPWrapper;
  root: string;
  handles: Handles;
  removed: string[];
}

function serveSftp(sftp: SFTPWrapper, root: string, removed: string[]): void {
  const session: SftpSession = { sftp, root, handles: new Handles(), removed };
  servePaths(session);
  serveFiles(session);
  serveDirectories(session);
  sftp.on('end', () => {
    for (const f of session.handles.files.values()) fs.closeSync(f.fd);
    session.handles.files.clear();
  });
}

function local(root: string, p: string): string {
  const clean = path.posix.normalize(`/${p}`);
  return path.join(root, ...clean.split('/').filter(Boolean));
}

function attrsOf(stat: fs.Stats) {
  return { mode: stat.mode, uid: stat.uid, gid: stat.gid, size: stat.size, atime: Math.floor(stat.atimeMs / 1000), mtime: Math.floor(stat.mtimeMs / 1000) };
}

function fail(sftp: SFTPWrapper, reqid: number, error: unknown): void {
  sftp.status(reqid, (error as NodeJS.ErrnoException).code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE);
}

/** REALPATH, STAT, LSTAT and REMOVE: requests that name a path. */
function servePaths({ sftp, root, removed }: SftpSession): void {
  sftp.on('REALPATH', (reqid, p) => {
    const clean = path.posix.normalize(`/${p === '.' ? '' : p}`);
    sftp.name(reqid, [{ filename: clean, longname: clean, attrs: {} as never }]);
  });
  for (const event of ['STAT', 'LSTAT'] as const) {
    sftp.on(event, (reqid: number, p: string) => {
      try {
        sftp.attrs(reqid, attrsOf(fs.statSync(local(root, p))));
      } catch (error) {
        fail(sftp, reqid, error);
      }
    });
  }
  sftp.on('REMOVE', (reqid, p) => {
    try {
      fs.rmSync(local(root, p));
      removed.push(path.posix.normalize(`/${p}`).slice(1));
      sftp.status(reqid, STATUS_CODE.OK);
    } catch (error) {
      fail(sftp, reqid, error);
    }
  });
}

/** OPEN, FSTAT, READ, WRITE and CLOSE on file handles. */
function serveFiles({ sftp, root, handles }: SftpSession): void {
  const fileOf = (handle: Buffer) => handles.files.get(Handles.idOf(handle));
  sftp.on('OPEN', (reqid, filename, flags) => {
    try {
      const mode = utils.sftp.flagsToString(flags);
      if (!mode) return sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED);
      sftp.handle(reqid, handles.add({ fd: fs.openSync(local(root, filename), mode) }));
    } catch (error) {
      fail(sftp, reqid, error);
    }
  });
  sftp.on('FSTAT', (reqid, handle) => {
    const f = fileOf(handle);
    if (!f) return sftp.status(reqid, STATUS_CODE.FAILURE);
    sftp.attrs(reqid, attrsOf(fs.fstatSync(f.fd)));
  });
  sftp.on('READ', (reqid, handle, offset, length) => {
    const f = fileOf(handle);
    if (!f) return sftp.status(reqid, STATUS_CODE.FAILURE);
    const buffer = Buffer.alloc(length);
    const read = fs.readSync(f.fd, buffer, 0, length, offset);
    if (read === 0) return sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, buffer.subarray(0, read));
  });
  sftp.on('WRITE', (reqid, handle, offset, data) => {
    const f = fileOf(handle);
    if (!f) return sftp.status(reqid, STATUS_CODE.FAILURE);
    fs.writeSync(f.fd, data, 0, data.length, offset);
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on('CLOSE', (reqid, handle) => {
    const id = Handles.idOf(handle);
    const f = handles.files.get(id);
    if (f) {
      fs.closeSync(f.fd);
      handles.files.delete(id);
    } else if (!handles.dirs.delete(id)) return sftp.status(reqid, STATUS_CODE.FAILURE);
    sftp.status(reqid, STATUS_CODE.OK);
  });
}

/** OPENDIR and READDIR: a directory is listed whole in one READDIR, then EOF. */
function serveDirectories({ sftp, root, handles }: SftpSession): void {
  sftp.on('OPENDIR', (reqid, p) => {
    try {
      if (!fs.statSync(local(root, p)).isDirectory()) return sftp.status(reqid, STATUS_CODE.FAILURE);
      sftp.handle(reqid, handles.add({ path: local(root, p), done: false }));
    } catch (error) {
      fail(sftp, reqid, error);
    }
  });
  sftp.on('READDIR', (reqid, handle) => {
    const d = handles.dirs.get(Handles.idOf(handle));
    if (!d) return sftp.status(reqid, STATUS_CODE.FAILURE);
    if (d.done) return sftp.status(reqid, STATUS_CODE.EOF);
    d.done = true;
    const entries = fs.readdirSync(d.path).map((name) => {
      const stat = fs.statSync(path.join(d.path, name));
      const type = stat.isDirectory() ? 'd' : '-';
      return { filename: name, longname: `${type}rw-r--r--    1 1000     1000     ${stat.size} Jan  1 00:00 ${name}`, attrs: attrsOf(stat) };
    });
    sftp.name(reqid, entries);
  });
}
