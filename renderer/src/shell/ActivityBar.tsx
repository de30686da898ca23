import { useRef, type KeyboardEvent } from 'react';
import type { ViewDefinition } from '../views/registry';

interface Props {
  views: ViewDefinition[];
  /** The view shown; none while the start view is not known yet. */
  activeId: string | undefined;
  select: (id: string) => void;
  theme: 'light' | 'dark';
  toggleTheme: () => void;
}

/** The activity bar: one tab per view (WAI-ARIA tabs, vertical) and the theme toggle. */
export function ActivityBar({ views, activeId, select, theme, toggleTheme }: Props) {
  const tabs = useRef<HTMLUListElement>(null);
  // One tab stop: the shown view's tab, or the first one before any view is shown.
  const stop = activeId ?? views[0]?.id;
  // Arrows, Home and End move and activate.
  const onTabKey = (e: KeyboardEvent) => {
    const index = views.findIndex((v) => v.id === activeId);
    const target = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: views.length - 1 }[e.key];
    if (target === undefined) return;
    e.preventDefault();
    const next = (target + views.length) % views.length;
    select(views[next]!.id);
    tabs.current?.querySelectorAll<HTMLElement>('[role="tab"]')[next]?.focus();
  };
  return (
    <nav className="activity-bar" aria-label="Views">
      <ul role="tablist" aria-orientation="vertical" aria-label="Views" ref={tabs} onKeyDown={onTabKey}>
        {views.map((v, i) => (
          <li key={v.id} role="presentation">
            <button
              role="tab"
              aria-selected={v.id === activeId}
              aria-controls="view-panel"
              id={`tab-${v.id}`}
              tabIndex={v.id === stop ? 0 : -1}
              title={`${v.title} (Ctrl+${i + 1})`}
              className={v.id === activeId ? 'active' : ''}
              onClick={() => select(v.id)}
            >
              <span aria-hidden="true">{v.icon}</span>
              <span className="label">{v.title}</span>
            </button>
          </li>
        ))}
      </ul>
      <button className="theme-toggle" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Toggle theme">
        {theme === 'dark' ? '☀' : '☾'}
      </button>
    </nav>
  );
}
