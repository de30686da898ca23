import { useCallback, useEffect, useState } from 'react';
import { views } from '../views/registry';
import { SignInPageNotice } from './SignInPageNotice';
import { StatusBar } from './StatusBar';
import { useTheme } from './theme';

/** VS Code's layout: activity bar, editor area, status bar; views come from the registry. */
export function Shell() {
  const [active, setActive] = useState(() => views.find((v) => `#${v.id}` === location.hash)?.id ?? views[0]!.id);
  const { theme, toggleTheme } = useTheme();
  const select = useCallback((id: string) => {
    setActive(id);
    history.replaceState(null, '', `#${id}`);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const index = Number(e.key) - 1;
      const view = Number.isInteger(index) && index >= 0 ? views[index] : undefined;
      if (view) {
        e.preventDefault();
        select(view.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [select]);

  const ActiveView = (views.find((v) => v.id === active) ?? views[0]!).component;
  return (
    <div className="shell" data-theme={theme}>
      <nav className="activity-bar" aria-label="Views">
        <ul role="tablist" aria-orientation="vertical">
          {views.map((view, i) => (
            <li key={view.id} role="presentation">
              <button
                role="tab"
                aria-selected={view.id === active}
                aria-controls="editor"
                id={`tab-${view.id}`}
                title={`${view.title} (Ctrl+${i + 1})`}
                className={view.id === active ? 'active' : ''}
                onClick={() => select(view.id)}
              >
                <span aria-hidden="true">{view.icon}</span>
                <span className="label">{view.title}</span>
              </button>
            </li>
          ))}
        </ul>
        <button className="theme-toggle" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Toggle theme">
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </nav>
      <main id="editor" className="editor" role="tabpanel" aria-labelledby={`tab-${active}`}>
        <SignInPageNotice />
        <ActiveView />
      </main>
      <StatusBar />
    </div>
  );
}
