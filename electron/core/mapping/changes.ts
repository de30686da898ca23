import type { MappingChanges } from '../../../shared/contract/mapping';

/**
 * Rows listed in a preview; counts are always complete. The diff itself (added, changed, removed,
 * unchanged) runs in SQL over the staged file: store/repos/mapping-staging.ts.
 */
export const PREVIEW_ROWS_LIMIT = 2000;

export function emptyChanges(): MappingChanges {
  return { added: 0, changed: 0, removed: 0, unchanged: 0, rows: [], rowsTruncated: false };
}
