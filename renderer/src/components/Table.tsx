import './components.css';
import type { ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  align?: 'left' | 'right';
  width?: string;
}

export interface TableProps<T> {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  /** Rows become activatable with Enter/Space and click when given. */
  onActivate?: (row: T) => void;
  selectedKey?: string | number | null;
  empty?: ReactNode;
  testId?: string;
}

/** A plain, accessible data table; activatable rows are focusable and announce their selection. */
export function Table<T>({ label, columns, rows, rowKey, onActivate, selectedKey, empty, testId }: TableProps<T>) {
  if (rows.length === 0 && empty) return <div className="empty">{empty}</div>;
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" style={{ width: c.width, textAlign: c.align }}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row);
            const selected = selectedKey !== undefined && selectedKey === key;
            return (
              <tr
                key={key}
                className={`${onActivate ? 'activatable' : ''}${selected ? ' selected' : ''}`}
                tabIndex={onActivate ? 0 : undefined}
                aria-selected={onActivate ? selected : undefined}
                onClick={onActivate ? () => onActivate(row) : undefined}
                onKeyDown={
                  onActivate
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          onActivate(row);
                        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                          e.preventDefault();
                          const next = (e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling) as HTMLElement | null;
                          next?.focus();
                        }
                      }
                    : undefined
                }
              >
                {columns.map((c) => (
                  <td key={c.key} style={{ textAlign: c.align }}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
