import { customMappingKey, type CustomMapping, type MappingChange, type MappingChanges } from '../../../shared/contract/mapping';
import type { StoredCustomMapping } from '../store/repos/mapping';
import type { CsvMappingRow } from './csv';

/** Rows listed in a preview; counts are always complete. */
export const PREVIEW_ROWS_LIMIT = 2000;

export interface MappingPlan {
  changes: MappingChanges;
  /** Keys to delete (removed and changed rows), then rows to insert (changed and added). */
  remove: string[];
  insert: CustomMapping[];
}

/**
 * What replacing the current custom rows by the file's rows does. The file is the complete list:
 * a current row whose key is not in the file is removed. Rows are matched by key (user id, or
 * e-mail when there is no user id); a row is changed when any of its values differs.
 */
export function planReplacement(current: readonly StoredCustomMapping[], incoming: readonly CsvMappingRow[], rowsLimit = PREVIEW_ROWS_LIMIT): MappingPlan {
  const existing = new Map(current.map((c) => [c.key, c.mapping]));
  const incomingKeys = new Set<string>();
  const rows: MappingChange[] = [];
  const plan: MappingPlan = { changes: { added: 0, changed: 0, removed: 0, unchanged: 0, rows, rowsTruncated: false }, remove: [], insert: [] };
  const list = (change: MappingChange) => {
    if (rows.length < rowsLimit) rows.push(change);
    else plan.changes.rowsTruncated = true;
  };

  for (const { line, mapping } of incoming) {
    const key = customMappingKey(mapping);
    incomingKeys.add(key);
    const before = existing.get(key);
    if (!before) {
      plan.changes.added++;
      plan.insert.push(mapping);
      list({ kind: 'added', key, line, before: null, after: mapping });
    } else if (sameMapping(before, mapping)) {
      plan.changes.unchanged++;
    } else {
      plan.changes.changed++;
      plan.remove.push(key);
      plan.insert.push(mapping);
      list({ kind: 'changed', key, line, before, after: mapping });
    }
  }
  for (const { key, mapping } of current) {
    if (incomingKeys.has(key)) continue;
    plan.changes.removed++;
    plan.remove.push(key);
    list({ kind: 'removed', key, before: mapping, after: null });
  }
  return plan;
}

export function sameMapping(a: CustomMapping, b: CustomMapping): boolean {
  return (
    a.symphonyUserId === b.symphonyUserId &&
    a.symphonyEmail === b.symphonyEmail &&
    a.targetUpn === b.targetUpn &&
    a.exclude === b.exclude &&
    a.note === b.note &&
    [...a.alsoDeliverTo].sort().join(';') === [...b.alsoDeliverTo].sort().join(';')
  );
}

export function emptyChanges(): MappingChanges {
  return { added: 0, changed: 0, removed: 0, unchanged: 0, rows: [], rowsTruncated: false };
}
