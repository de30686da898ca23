import type { Store } from '../database';

/** SQL for the `schedule_state` table (0005): whether the officer paused a connector's schedule. */
export class ScheduleStateRepository {
  constructor(private readonly store: Store) {}

  isPaused(connectorId: string): boolean {
    const row = this.store.prepare('SELECT paused FROM schedule_state WHERE connector_id = ?').get(connectorId) as { paused: number } | undefined;
    return row?.paused === 1;
  }

  setPaused(connectorId: string, paused: boolean, nowMs: number): void {
    this.store
      .prepare('INSERT INTO schedule_state (connector_id, paused, updated_at) VALUES (?, ?, ?) ON CONFLICT (connector_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at')
      .run(connectorId, paused ? 1 : 0, new Date(nowMs).toISOString());
  }
}
