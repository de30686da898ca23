import type { z } from 'zod';
import type { Store } from '../database';

/** One document of `app_settings`: its key and the schema that reads it (defaults filled in). */
export interface SettingsDocument<S extends z.ZodType> {
  key: string;
  schema: S;
}

/**
 * SQL for the `app_settings` table (0001): one JSON document per key. Each document's owner
 * declares its key and schema (the run settings: `runs/settings.ts`); a stored document is parsed
 * on every read, so defaults a later version adds are filled in.
 */
export class SettingsRepository {
  constructor(private readonly store: Store) {}

  get<S extends z.ZodType>(doc: SettingsDocument<S>): z.output<S> {
    const row = this.store.prepare('SELECT value_json FROM app_settings WHERE key = ?').get(doc.key) as { value_json: string } | undefined;
    return doc.schema.parse(row ? JSON.parse(row.value_json) : {});
  }

  /** Merges `patch` into the stored document and checks the result, in one transaction. */
  update<S extends z.ZodType>(doc: SettingsDocument<S>, patch: Partial<z.output<S>>, nowMs: number): z.output<S> {
    return this.store.transaction(() => {
      const next = doc.schema.parse({ ...(this.get(doc) as object), ...patch });
      this.store
        .prepare('INSERT INTO app_settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at')
        .run(doc.key, JSON.stringify(next), new Date(nowMs).toISOString());
      return next;
    });
  }
}
