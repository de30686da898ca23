import './components.css';
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface SideBarProps {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}

/** VS Code's side bar: an uppercase title with actions, then the view's list. */
export function SideBar({ title, actions, children }: SideBarProps) {
  return (
    <aside className="side-bar" aria-label={title}>
      <header className="side-bar-header">
        <h2>{title}</h2>
        {actions && <div className="side-bar-actions">{actions}</div>}
      </header>
      <div className="side-bar-content">{children}</div>
    </aside>
  );
}

export interface ListItem {
  id: string;
  label: ReactNode;
  description?: ReactNode;
  badge?: ReactNode;
}

/**
 * A single-select list with roving focus: Tab enters at the selected row, arrows, Home and End move,
 * Enter/Space or click selects. Announced as a listbox.
 */
export function SelectList({ label, items, selectedId, onSelect, testId }: { label: string; items: ListItem[]; selectedId: string | null; onSelect: (id: string) => void; testId?: string }) {
  const ref = useRef<HTMLUListElement>(null);
  const focusIndex = Math.max(0, items.findIndex((i) => i.id === selectedId));
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>, index: number) => {
    const rows = ref.current ? Array.from(ref.current.querySelectorAll<HTMLElement>('[role="option"]')) : [];
    const to = (i: number) => rows[Math.max(0, Math.min(rows.length - 1, i))]?.focus();
    if (e.key === 'ArrowDown') to(index + 1);
    else if (e.key === 'ArrowUp') to(index - 1);
    else if (e.key === 'Home') to(0);
    else if (e.key === 'End') to(rows.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') onSelect(items[index]!.id);
    else return;
    e.preventDefault();
  };
  return (
    <ul ref={ref} className="select-list" role="listbox" aria-label={label} data-testid={testId}>
      {items.map((item, index) => (
        <li
          key={item.id}
          role="option"
          aria-selected={item.id === selectedId}
          tabIndex={index === focusIndex ? 0 : -1}
          className={item.id === selectedId ? 'selected' : ''}
          onClick={() => onSelect(item.id)}
          onKeyDown={(e) => onKeyDown(e, index)}
        >
          <span className="select-list-label">{item.label}</span>
          {item.badge && <span className="select-list-badge">{item.badge}</span>}
          {item.description && <span className="select-list-description">{item.description}</span>}
        </li>
      ))}
    </ul>
  );
}
