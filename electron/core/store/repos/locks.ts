import os from 'node:os';
import type { Store } from '../database';

export interface LockHolder {
  name: string;
  owner: string;
  pid: number;
  hostname: string;
  acquiredMs: number;
  heartbeatMs: number;
}

export type LockResult = { acquired: true; tookOverFrom?: LockHolder } | { acquired: false; holder: LockHolder };

interface LockRow {
  name: string;
  owner: string;
  pid: number;
  hostname: string;
  acquired_ms: number;
  heartbeat_ms: number;
}

/** SQL for the `locks` table (0005): named locks between processes (one run per connector). */
export class LockRepository {
  constructor(private readonly store: Store) {}

  /**
   * Takes the named lock, or takes it over when its holder is gone: a process on this machine
   * that no longer exists, or a heartbeat older than `staleMs` (a holder on another machine, or
   * a hung one). Check and write happen in one IMMEDIATE transaction, so two processes never both win.
   */
  acquire(name: string, owner: string, nowMs: number, staleMs: number, isAlive: (holder: LockHolder) => boolean): LockResult {
    return this.store.transaction(() => {
      const holder = this.holder(name);
      if (holder && holder.owner !== owner && nowMs - holder.heartbeatMs < staleMs && isAlive(holder)) return { acquired: false, holder };
      this.store
        .prepare(
          `INSERT INTO locks (name, owner, pid, hostname, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname, acquired_ms = excluded.acquired_ms, heartbeat_ms = excluded.heartbeat_ms`,
        )
        .run(name, owner, process.pid, os.hostname(), nowMs, nowMs);
      return holder && holder.owner !== owner ? { acquired: true, tookOverFrom: holder } : { acquired: true };
    });
  }

  /** False when the lock was taken over meanwhile: the caller must stop. */
  heartbeat(name: string, owner: string, nowMs: number): boolean {
    return this.store.prepare('UPDATE locks SET heartbeat_ms = ? WHERE name = ? AND owner = ?').run(nowMs, name, owner).changes === 1;
  }

  release(name: string, owner: string): void {
    this.store.prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
  }

  holder(name: string): LockHolder | undefined {
    const row = this.store.prepare('SELECT * FROM locks WHERE name = ?').get(name) as LockRow | undefined;
    return row && toHolder(row);
  }
}

function toHolder(row: LockRow): LockHolder {
  return { name: row.name, owner: row.owner, pid: row.pid, hostname: row.hostname, acquiredMs: row.acquired_ms, heartbeatMs: row.heartbeat_ms };
}
