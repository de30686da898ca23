import type { Store } from '../database';

/**
 * SQL for the `pipeline_cursors` table (0005): per connector, the highest captured item id the
 * convert and map steps have decided. It moves in the transaction that records those outcomes.
 */
export class MapCursorRepository {
  constructor(private readonly store: Store) {}

  mappedThrough(connectorId: string): number {
    const row = this.store.prepare('SELECT mapped_through FROM pipeline_cursors WHERE connector_id = ?').get(connectorId) as { mapped_through: number } | undefined;
    return row?.mapped_through ?? 0;
  }

  /** Only moves forward; called inside the transaction that records the items it covers. */
  advance(connectorId: string, through: number): void {
    this.store
      .prepare('INSERT INTO pipeline_cursors (connector_id, mapped_through) VALUES (?, ?) ON CONFLICT (connector_id) DO UPDATE SET mapped_through = MAX(mapped_through, excluded.mapped_through)')
      .run(connectorId, through);
  }
}
