import type { Store } from '../database';

export type ContentExportFileStatus = 'ingested' | 'failed';

export interface ContentExportFileRecord {
  id: number;
  connectorId: string;
  name: string;
  sha256: string;
  size: number;
  status: ContentExportFileStatus;
  format: string | null;
  conversations: number;
  items: number;
  inserted: number;
  failure: string | null;
  attempts: number;
  firstSeenAt: string;
  ingestedAt: string | null;
  updatedAt: string;
  deletedFromSourceAt: string | null;
}

export interface IngestedFile {
  name: string;
  sha256: string;
  size: number;
  format: string;
  conversations: number;
  items: number;
  inserted: number;
}

interface FileRow {
  id: number;
  connector_id: string;
  name: string;
  sha256: string;
  size: number;
  status: ContentExportFileStatus;
  format: string | null;
  conversations: number;
  items: number;
  inserted: number;
  failure: string | null;
  attempts: number;
  first_seen_at: string;
  ingested_at: string | null;
  updated_at: string;
  deleted_from_source_at: string | null;
}

/** SQL for the Content Export file ledger (migration 0006). */
export class ContentExportRepository {
  constructor(private readonly store: Store) {}

  /** An ingested file with this name and size: the cheap check that avoids downloading it again. */
  ingestedBySize(connectorId: string, name: string, size: number): ContentExportFileRecord | undefined {
    const row = this.store
      .prepare("SELECT * FROM content_export_files WHERE connector_id = ? AND name = ? AND size = ? AND status = 'ingested' ORDER BY id LIMIT 1")
      .get(connectorId, name, size) as FileRow | undefined;
    return row && toRecord(row);
  }

  ingestedByHash(connectorId: string, name: string, sha256: string): ContentExportFileRecord | undefined {
    const row = this.store
      .prepare("SELECT * FROM content_export_files WHERE connector_id = ? AND name = ? AND sha256 = ? AND status = 'ingested'")
      .get(connectorId, name, sha256) as FileRow | undefined;
    return row && toRecord(row);
  }

  /**
   * Marks a file ingested: the source's position. Only called as the capture writer's `advance`,
   * so the record and the file's items commit together.
   */
  recordIngested(connectorId: string, file: IngestedFile, now = new Date()): void {
    const at = now.toISOString();
    this.store
      .prepare(`INSERT INTO content_export_files (connector_id, name, sha256, size, status, format, conversations, items, inserted, attempts, first_seen_at, ingested_at, updated_at)
        VALUES (?, ?, ?, ?, 'ingested', ?, ?, ?, ?, 1, ?, ?, ?)
        ON CONFLICT (connector_id, name, sha256) DO UPDATE SET status = 'ingested', format = excluded.format, conversations = excluded.conversations,
          items = excluded.items, inserted = excluded.inserted, failure = NULL, attempts = attempts + 1, ingested_at = excluded.ingested_at, updated_at = excluded.updated_at`)
      .run(connectorId, file.name, file.sha256, file.size, file.format, file.conversations, file.items, file.inserted, at, at, at);
  }

  /** Records a failed attempt; never turns an ingested file back into a failed one. `sha256` is '' when the file could not be read. */
  recordFailure(connectorId: string, file: { name: string; sha256: string; size: number; format?: string | null }, failure: string, now = new Date()): void {
    const at = now.toISOString();
    this.store
      .prepare(`INSERT INTO content_export_files (connector_id, name, sha256, size, status, format, failure, attempts, first_seen_at, updated_at)
        VALUES (?, ?, ?, ?, 'failed', ?, ?, 1, ?, ?)
        ON CONFLICT (connector_id, name, sha256) DO UPDATE SET failure = excluded.failure, format = COALESCE(excluded.format, format),
          attempts = attempts + 1, updated_at = excluded.updated_at WHERE status = 'failed'`)
      .run(connectorId, file.name, file.sha256, file.size, file.format ?? null, failure, at, at);
  }

  markDeletedFromSource(connectorId: string, name: string, sha256: string, now = new Date()): void {
    this.store
      .prepare('UPDATE content_export_files SET deleted_from_source_at = ?, updated_at = ? WHERE connector_id = ? AND name = ? AND sha256 = ?')
      .run(now.toISOString(), now.toISOString(), connectorId, name, sha256);
  }

  /** Every file seen for a connector, newest first. */
  files(connectorId: string): ContentExportFileRecord[] {
    const rows = this.store.prepare('SELECT * FROM content_export_files WHERE connector_id = ? ORDER BY id DESC').all(connectorId) as FileRow[];
    return rows.map(toRecord);
  }

  ingestedNames(connectorId: string): Set<string> {
    const rows = this.store.prepare("SELECT DISTINCT name FROM content_export_files WHERE connector_id = ? AND status = 'ingested'").all(connectorId) as { name: string }[];
    return new Set(rows.map((r) => r.name));
  }
}

function toRecord(r: FileRow): ContentExportFileRecord {
  return {
    id: r.id,
    connectorId: r.connector_id,
    name: r.name,
    sha256: r.sha256,
    size: r.size,
    status: r.status,
    format: r.format,
    conversations: r.conversations,
    items: r.items,
    inserted: r.inserted,
    failure: r.failure,
    attempts: r.attempts,
    firstSeenAt: r.first_seen_at,
    ingestedAt: r.ingested_at,
    updatedAt: r.updated_at,
    deletedFromSourceAt: r.deleted_from_source_at,
  };
}
