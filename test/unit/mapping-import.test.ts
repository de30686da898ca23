import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../electron/core/app/dispatcher';
import { ManualClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import type { Store } from '../../electron/core/store/database';
import type { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { mappingCsvColumns } from '../../shared/contract/mapping';
import { makeTempDir } from '../support/tmp';
import { createConnector, mappingApi, openMappingStore } from './mapping-support';
import { MappingRepository } from '../../electron/core/store/repos/mapping';
import { totalChanges } from '../support/store-reads';

const HEADER = mappingCsvColumns.join(',');

function bigCsv(count: number, target = (i: number) => `user${i}@contoso.com`): string {
  const lines = [HEADER];
  for (let i = 0; i < count; i++) {
    const id = String(100000000000 + i);
    lines.push(`${id},user${i}@symphony.example,${target(i)},${i % 10 === 0 ? 'supervisor@contoso.com' : ''},${i % 97 === 0 ? '' : 'false'},"row ${i}, imported"`);
  }
  return `${lines.join('\n')}\n`;
}

describe('mapping: CSV import and export through the contract', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  let n = 0;
  let store: Store;
  let connectors: ConnectorRepository;
  let api: Dispatcher;
  let events: EventBus;
  let emitted: unknown[];

  beforeEach(() => {
    ({ store, connectors } = openMappingStore(temp.dir, `import-${n++}.db`));
    events = new EventBus();
    emitted = [];
    events.on('mapping.changed', (p) => emitted.push(p));
    api = mappingApi({ store, connectors, events, clock: new ManualClock(Date.UTC(2026, 2, 14)) });
  });

  const count = (connectorId: string) => new MappingRepository(store).listCustom(connectorId).length;
  const targetOf = (connectorId: string, key: string) => new MappingRepository(store).getCustom(connectorId, key)?.mapping.targetUpn;

  it('imports 10,000 rows in one transaction and previews then applies changes to them', async () => {
    const c = createConnector(connectors, 'pod');
    const csv = bigCsv(10_000);
    const preview = await api.invoke('mapping.previewCsv', { connectorId: c.id, csv });
    expect(preview.errors).toEqual([]);
    expect(preview).toMatchObject({ rowCount: 10_000, revision: 0, changes: { added: 10_000, changed: 0, removed: 0, unchanged: 0, rowsTruncated: true } });
    expect(preview.changes.rows).toHaveLength(2000);
    expect(count(c.id)).toBe(0);

    // Rows written to the archive: the 10,000 rows and the revision, nothing else (the all-or-nothing
    // part is shown by "rolls the whole import back" below). The file is staged in a TEMP table of
    // the connection first (insert, then mark added/changed: two writes per row), which
    // total_changes() counts too.
    const before = totalChanges(store);
    const applied = await api.invoke('mapping.applyCsv', { connectorId: c.id, csv, expectedRevision: preview.revision });
    expect(applied).toMatchObject({ applied: true, revision: 1, changes: { added: 10_000 } });
    expect(count(c.id)).toBe(10_000);
    expect(totalChanges(store) - before).toBe(10_000 + 1 + 2 * 10_000);
    expect(emitted).toEqual([{ connectorId: c.id, revision: 1 }]);

    const second = bigCsv(10_000, (i) => (i < 3 ? `moved${i}@contoso.com` : `user${i}@contoso.com`)).split('\n');
    second.splice(4, 2); // drop rows 3 and 4 (lines 5 and 6)
    const diff = await api.invoke('mapping.previewCsv', { connectorId: c.id, csv: second.join('\n') });
    expect(diff.changes).toMatchObject({ added: 0, changed: 3, removed: 2, unchanged: 9_995, rowsTruncated: false });
    expect(diff.changes.rows.map((r) => [r.kind, r.key, r.line])).toEqual([
      ['changed', 'user:100000000000', 2],
      ['changed', 'user:100000000001', 3],
      ['changed', 'user:100000000002', 4],
      ['removed', 'user:100000000003', undefined],
      ['removed', 'user:100000000004', undefined],
    ]);
    expect(diff.changes.rows[0]).toMatchObject({ before: { targetUpn: 'user0@contoso.com' }, after: { targetUpn: 'moved0@contoso.com' } });
    await api.invoke('mapping.applyCsv', { connectorId: c.id, csv: second.join('\n'), expectedRevision: diff.revision });
    expect(count(c.id)).toBe(9_998);
    expect(targetOf(c.id, 'user:100000000001')).toBe('moved1@contoso.com');
  });

  it('changes nothing for a file with bad rows and lists each of them by line and column', async () => {
    const c = createConnector(connectors, 'pod');
    await api.invoke('mapping.applyCsv', { connectorId: c.id, csv: bigCsv(50) });
    const snapshot = new MappingRepository(store).listCustom(c.id);
    const lines = bigCsv(5000).split('\n');
    lines[10] = lines[10]!.replace('@contoso.com', '@@contoso'); // line 11: target
    lines[4000] = `x${lines[4000]}`; // line 4001: user id
    lines[4999] = lines[4999]!.replace(',false,', ',perhaps,'); // line 5000: exclude
    const result = await api.invoke('mapping.applyCsv', { connectorId: c.id, csv: lines.join('\n') });
    expect(result.applied).toBe(false);
    expect(result.errors.map((e) => [e.line, e.column])).toEqual([
      [11, 'target_upn'],
      [4001, 'symphony_user_id'],
      [5000, 'exclude'],
    ]);
    expect(new MappingRepository(store).listCustom(c.id)).toEqual(snapshot);
    const preview = await api.invoke('mapping.previewCsv', { connectorId: c.id, csv: lines.join('\n') });
    expect(preview.errors).toHaveLength(3);
    expect(preview.changes).toMatchObject({ added: 0, changed: 0, removed: 0 });
  });

  it('rolls the whole 10,000-row import back when a late row fails while writing', async () => {
    const c = createConnector(connectors, 'pod');
    await api.invoke('mapping.applyCsv', { connectorId: c.id, csv: bigCsv(10) });
    // A trigger makes the 9,999th insert of a 10,000-row file fail, as a full disk would.
    store.db.exec(`CREATE TEMP TRIGGER fail_late BEFORE INSERT ON mapping_custom WHEN NEW.symphony_email = 'user9998@symphony.example'
      BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    await expect(api.invoke('mapping.applyCsv', { connectorId: c.id, csv: bigCsv(10_000, (i) => `new${i}@contoso.com`) })).rejects.toMatchObject({ code: 'internal' });
    expect(count(c.id)).toBe(10);
    expect(targetOf(c.id, 'user:100000000000')).toBe('user0@contoso.com');
  });

  it('refuses to apply a preview made before someone else changed the mapping', async () => {
    const c = createConnector(connectors, 'pod');
    const csv = bigCsv(3);
    const preview = await api.invoke('mapping.previewCsv', { connectorId: c.id, csv });
    await api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyUserId: '5', targetUpn: 'five@contoso.com' } });
    await expect(api.invoke('mapping.applyCsv', { connectorId: c.id, csv, expectedRevision: preview.revision })).rejects.toMatchObject({
      code: 'conflict',
      fix: expect.stringMatching(/Preview the file again/),
    });
    expect(count(c.id)).toBe(1);
  });

  it('exports a file that imports back as "unchanged"', async () => {
    const c = createConnector(connectors, 'Desk: Rates/EMEA');
    await api.invoke('mapping.applyCsv', { connectorId: c.id, csv: bigCsv(25) });
    await api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyEmail: 'bot@symphony.example', exclude: true, note: '=1+1' } });
    const exported = await api.invoke('mapping.exportCsv', { connectorId: c.id });
    expect(exported.filename).toBe('symphony-mapping-Desk-Rates-EMEA-2026-03-14.csv');
    expect(exported.csv.split('\r\n')[0]).toBe(HEADER);
    const again = await api.invoke('mapping.previewCsv', { connectorId: c.id, csv: exported.csv });
    expect(again.errors).toEqual([]);
    expect(again.changes).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 26 });
  });

  it('validates an inline edit, names the field, and refuses a second row for the same person', async () => {
    const c = createConnector(connectors, 'pod');
    await expect(api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyEmail: 'a@contoso.com', targetUpn: 'not an address' } })).rejects.toMatchObject({
      code: 'invalid-input',
      target: 'mapping.targetUpn',
    });
    await api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyUserId: '1', symphonyEmail: 'a@contoso.com', targetUpn: 'a@contoso.com' } });
    await expect(api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyEmail: 'A@contoso.com', targetUpn: 'b@contoso.com' } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/Symphony user id 1/),
    });
    // Changing a row's key through replacesKey moves it instead of clashing with itself.
    const moved = await api.invoke('mapping.set', { connectorId: c.id, replacesKey: 'user:1', mapping: { symphonyEmail: 'a@contoso.com', targetUpn: 'b@contoso.com' } });
    expect(moved.key).toBe('email:a@contoso.com');
    expect(count(c.id)).toBe(1);
    expect(await api.invoke('mapping.remove', { connectorId: c.id, key: moved.key })).toEqual({ removed: true });
    expect(await api.invoke('mapping.remove', { connectorId: c.id, key: moved.key })).toEqual({ removed: false });
  });
});
