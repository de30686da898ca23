import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { ParticipantRow, ParticipantSort, ResolutionHow } from '../../../../shared/contract';
import { formatCount, formatDateTime } from '../../components/format';
import { RowEditor } from './RowEditor';
import type { MappingTable } from './useMappingTable';
import type { RowEditor as RowEditorState } from './useRowEditor';

const COLUMNS: { sort: ParticipantSort | null; header: string }[] = [
  { sort: 'name', header: 'Participant' },
  { sort: 'email', header: 'Symphony e-mail' },
  { sort: 'mailbox', header: 'Mailbox' },
  { sort: 'how', header: 'Resolved' },
  { sort: 'itemsAffected', header: 'Items' },
  { sort: 'lastSeen', header: 'Last seen' },
  { sort: null, header: 'Actions' },
];

const HOW: Record<ResolutionHow, { label: string; badge: string; hint: string }> = {
  unmapped: { label: 'Unmapped', badge: 'badge-error', hint: 'No mailbox found: items are held until this participant is mapped' },
  automatic: { label: 'Automatic', badge: 'badge-ok', hint: 'Found in the Microsoft 365 directory by e-mail' },
  custom: { label: 'Custom', badge: '', hint: 'Set by a custom mapping row' },
  excluded: { label: 'Excluded', badge: 'badge-muted', hint: 'Excluded by a custom row: receives nothing' },
  external: { label: 'External', badge: 'badge-muted', hint: 'From another firm: never delivered to' },
};

/**
 * The participants as a virtual table: only the rows on screen are in the DOM, pages load as they
 * scroll into view. Rows use a roving tab stop: arrows move, Enter edits, Tab reaches the buttons.
 */
export function ParticipantsTable({ table, editor }: { table: MappingTable; editor: RowEditorState }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { total } = table.state;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => 34, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? -1;
  const { ensureRows } = table;
  const focus = useRowFocus(total, scrollRef, virtualizer, editor.start);

  useEffect(() => {
    if (last >= first) ensureRows(first, last);
  }, [first, last, ensureRows]);

  return (
    <div className="mapping-table" role="table" aria-label="Participants and their mailboxes" aria-rowcount={total + 1} data-testid="mapping-table">
      <TableHead table={table} />
      {/* As tall as its rows, up to the space left: few participants leave no blank box below them. */}
      <div ref={scrollRef} className="mapping-scroll" role="rowgroup" style={{ height: Math.max(virtualizer.getTotalSize(), 48) + 2 }}>
        {table.state.loaded && total === 0 && (
          <div role="row">
            <div role="cell" className="empty">
              {table.query ? 'No participant matches the search.' : 'No participants yet: they appear after the first capture, or add a custom mapping.'}
            </div>
          </div>
        )}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = table.rowAt(item.index);
            const editing = row && editor.editing?.rowKey === row.key ? editor.editing : null;
            const name = row ? nameOf(row) : '';
            const tabbable = item.index === focus.index;
            return (
              <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="mapping-item" style={{ transform: `translateY(${item.start}px)` }}>
                <div
                  role="row"
                  aria-rowindex={item.index + 2}
                  data-row-index={item.index}
                  data-testid={row ? `mapping-row-${row.key}` : undefined}
                  tabIndex={tabbable ? 0 : -1}
                  className={`mapping-row-cells${row?.how === 'unmapped' ? ' unmapped' : ''}${editing ? ' editing' : ''}`}
                  onFocus={() => focus.set(item.index)}
                  onKeyDown={(e) => focus.onRowKey(e, item.index, row)}
                >
                  {row ? (
                    <ParticipantCells row={row} name={name} tabbable={tabbable} onEdit={() => editor.start(row)} />
                  ) : (
                    <div role="cell" className="muted">
                      Loading…
                    </div>
                  )}
                </div>
                {editing && (
                  <div role="row">
                    <div role="cell" className="mapping-editor-cell">
                      <RowEditor editor={editor} title={`Mapping of ${name}`} />
                    </div>
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function nameOf(row: ParticipantRow): string {
  return row.participant.displayName || row.participant.email || row.participant.userId;
}

/** The roving tab stop over the rows: arrows, Page Up/Down, Home and End move it (scrolling the row into view); Enter or Space edits. */
function useRowFocus(total: number, scrollRef: RefObject<HTMLDivElement | null>, virtualizer: Virtualizer<HTMLDivElement, Element>, edit: (row: ParticipantRow) => void) {
  const [index, setIndex] = useState(0);
  const focusRow = (wanted: number) => {
    const target = Math.max(0, Math.min(total - 1, wanted));
    setIndex(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row-index="${target}"]`)?.focus());
  };
  const onRowKey = (e: KeyboardEvent<HTMLDivElement>, at: number, row: ParticipantRow | undefined) => {
    if (e.target !== e.currentTarget) return;
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + 10, PageUp: at - 10, Home: 0, End: total - 1 };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]!);
    } else if ((e.key === 'Enter' || e.key === ' ') && row) {
      e.preventDefault();
      edit(row);
    }
  };
  return { index, set: setIndex, onRowKey };
}

/** The column headers; a sortable column's header is a button that sorts by it (again: the other way). */
function TableHead({ table }: { table: MappingTable }) {
  return (
    <div role="rowgroup" className="mapping-head">
      <div role="row" aria-rowindex={1} className="mapping-row-cells">
        {COLUMNS.map((c) => (
          <div key={c.header} role="columnheader" aria-sort={c.sort && table.sort === c.sort ? (table.direction === 'asc' ? 'ascending' : 'descending') : undefined}>
            {c.sort ? (
              <button className="sort-button" onClick={() => table.sortBy(c.sort!)}>
                {c.header}
                <span aria-hidden="true">{table.sort === c.sort ? (table.direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
              </button>
            ) : (
              <span className="sr-only">{c.header}</span>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

/** One participant's cells: who, where their items go, how that was resolved, what is held for them. */
function ParticipantCells({ row, name, tabbable, onEdit }: { row: ParticipantRow; name: string; tabbable: boolean; onEdit: () => void }) {
  return (
    <>
      <div role="cell" className="cell-name" title={row.participant.userId ? `Symphony user id ${row.participant.userId}` : undefined}>
        {name}
      </div>
      <div role="cell" className="cell-ellipsis">
        {row.participant.email || <span className="muted">—</span>}
      </div>
      <div role="cell" className="cell-ellipsis" data-testid="resolved-mailbox">
        {row.resolvedMailbox ?? <span className="muted">—</span>}
        {row.alsoDeliverTo.length > 0 && <span className="muted"> + {row.alsoDeliverTo.join(', ')}</span>}
      </div>
      <div role="cell">
        <span className={`badge ${HOW[row.how].badge}`} title={HOW[row.how].hint} data-testid="resolved-how">
          {HOW[row.how].label}
        </span>
      </div>
      <div role="cell" className="cell-number" title={row.heldItems > 0 ? `${formatCount(row.heldItems)} held back until this participant has a mailbox` : undefined}>
        {formatCount(row.itemsAffected)}
        {row.heldItems > 0 &&
          (row.how === 'unmapped' ? <span className="held"> ({formatCount(row.heldItems)} held)</span> : <span className="muted"> ({formatCount(row.heldItems)} on next run)</span>)}
      </div>
      <div role="cell">{formatDateTime(row.lastSeen)}</div>
      <div role="cell">
        <button className="link-button" onClick={onEdit} aria-label={`Edit the mapping of ${name}`} tabIndex={tabbable ? 0 : -1}>
          Edit
        </button>
      </div>
    </>
  );
}
