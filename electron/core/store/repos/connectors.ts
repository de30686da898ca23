import { randomUUID } from 'node:crypto';
import { ArchiverError } from '../../../../shared/errors';
import { connectorSettingsSchema, nameKey, nameTakenMessage, type Connector, type ConnectorSettings } from '../../../../shared/contract';
import type { Store } from '../database';

interface ConnectorRow {
  id: string;
  name: string;
  enabled: number;
  settings_json: string;
  created_at: string;
  updated_at: string;
}

/** SQL for the connectors table; nothing else touches it. */
export class ConnectorRepository {
  constructor(private readonly store: Store) {}

  list(): Connector[] {
    const rows = this.store.prepare('SELECT * FROM connectors WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE').all() as ConnectorRow[];
    return rows.map(toConnector);
  }

  find(id: string): Connector | undefined {
    const row = this.store.prepare('SELECT * FROM connectors WHERE id = ? AND deleted_at IS NULL').get(id) as ConnectorRow | undefined;
    return row && toConnector(row);
  }

  get(id: string): Connector {
    const connector = this.find(id);
    if (!connector) throw new ArchiverError({ code: 'not-found', message: `No connector with id ${id}.`, fix: 'Reload the connector list; it may have been deleted.', target: id });
    return connector;
  }

  /**
   * The connector of that name, compared as the officer reads names: Unicode-normalised and case
   * folded in every script (SQLite's NOCASE folds ASCII only, so "TŌKYŌ" would pass "tōkyō").
   */
  findByName(name: string): Connector | undefined {
    const key = nameKey(name);
    const rows = this.store.prepare('SELECT id, name FROM connectors WHERE deleted_at IS NULL').all() as Pick<ConnectorRow, 'id' | 'name'>[];
    const row = rows.find((r) => nameKey(r.name) === key);
    return row && this.find(row.id);
  }

  create(name: string, settings: Partial<ConnectorSettings> = {}, now = new Date(), options: { enabled?: boolean } = {}): Connector {
    const parsed = connectorSettingsSchema.parse(settings);
    const id = randomUUID();
    const at = now.toISOString();
    return this.store.transaction(() => {
      this.assertNameFree(name);
      this.store
        .prepare('INSERT INTO connectors (id, name, enabled, settings_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, name, options.enabled === false ? 0 : 1, JSON.stringify(parsed), at, at);
      return this.get(id);
    });
  }

  update(id: string, patch: { name?: string; enabled?: boolean; settings?: ConnectorSettings }, now = new Date()): Connector {
    return this.store.transaction(() => {
      const current = this.get(id);
      if (patch.name !== undefined && nameKey(patch.name) !== nameKey(current.name)) this.assertNameFree(patch.name);
      const settings = patch.settings ? connectorSettingsSchema.parse(patch.settings) : current.settings;
      this.store
        .prepare('UPDATE connectors SET name = ?, enabled = ?, settings_json = ?, updated_at = ? WHERE id = ?')
        .run(patch.name ?? current.name, (patch.enabled ?? current.enabled) ? 1 : 0, JSON.stringify(settings), now.toISOString(), id);
      return this.get(id);
    });
  }

  /** Marks the connector deleted; what it captured stays in the store until purged. */
  delete(id: string, now = new Date()): boolean {
    const result = this.store.prepare('UPDATE connectors SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(now.toISOString(), id);
    return result.changes === 1;
  }

  private assertNameFree(name: string): void {
    if (this.findByName(name)) {
      throw new ArchiverError({ code: 'conflict', message: nameTakenMessage('connector', name), fix: 'Choose another name.', target: 'name' });
    }
  }
}

function toConnector(row: ConnectorRow): Connector {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled === 1,
    settings: storedSettings(JSON.parse(row.settings_json)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Parsing fills defaults that later versions added to the settings. A value an older version
 * accepted but the current rules refuse (say a pod URL with a query string) must not make the
 * connector unreadable: it is kept as stored, so the setup shows it marked with the rule it
 * breaks, and the core refuses to use it with the same words when a run or test needs it.
 */
function storedSettings(raw: unknown): ConnectorSettings {
  const parsed = connectorSettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const invalid = parsed.error.issues.map((i) => i.path.map(String));
  const stripped = structuredClone(raw) as Record<string, Record<string, unknown>>;
  for (const [section, field] of invalid) if (section && field && stripped[section]) delete stripped[section][field];
  const settings = connectorSettingsSchema.parse(stripped) as unknown as Record<string, Record<string, unknown>>;
  const original = raw as Record<string, Record<string, unknown>>;
  for (const [section, field] of invalid) if (section && field && settings[section] && original[section]) settings[section][field] = original[section][field];
  return settings as unknown as ConnectorSettings;
}
