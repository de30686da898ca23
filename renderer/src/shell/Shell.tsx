import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { views as allViews } from '../views/registry';
import { useCall } from '../state/api-context';
import { ConnectionBanner } from './ConnectionBanner';
import { useNavigationListener } from './navigation';
import { SignInBanner } from './SignInBanner';
import { SignInPageNotice } from './SignInPageNotice';
import { StatusBar } from './StatusBar';
import { useTheme } from './theme';

/** VS Code's layout: activity bar, editor area, status bar; views come from the registry. */
export function Shell({ onViewError }: { onViewError?: (where: string, error: Error) => void }) {
  const info = useCall('app.info', {});
  const sandbox = info.state === 'ready' && info.value.sandbox;
  const views = useMemo(() => allViews.filter((v) => !v.sandboxOnly || sandbox), [sandbox]);
  useEffect(() => {
    document.title = sandbox ? 'Symphony Archiver — SANDBOX' : 'Symphony Archiver';
  }, [sandbox]);
  const [active, setActive] = useState(() => allViews.find((v) => `#${v.id}` === location.hash)?.id ?? allViews[0]!.id);
  const { theme, toggleTheme } = useTheme();
  const tabs = useRef<HTMLUListElement>(null);
  const select = useCallback((id: string) => {
    setActive(id);
    history.replaceState(null, '', `#${id}`);
  }, []);

  useNavigationListener(select);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
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
  }, [select, views]);

  // WAI-ARIA tabs pattern, vertical: one tab stop; arrows, Home and End move and activate.
  const onTabKey = (e: KeyboardEvent) => {
    const index = views.findIndex((v) => v.id === active);
    const target = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: views.length - 1 }[e.key];
    if (target === undefined) return;
    e.preventDefault();
    const next = (target + views.length) % views.length;
    select(views[next]!.id);
    tabs.current?.querySelectorAll<HTMLElement>('[role="tab"]')[next]?.focus();
  };

  const view = views.find((v) => v.id === active) ?? views[0]!;
  const ActiveView = view.component;
  return (
    <div className="shell" data-theme={theme}>
      <nav className="activity-bar" aria-label="Views">
        <ul role="tablist" aria-orientation="vertical" aria-label="Views" ref={tabs} onKeyDown={onTabKey}>
          {views.map((v, i) => (
            <li key={v.id} role="presentation">
              <button
                role="tab"
                aria-selected={v.id === active}
                aria-controls="view-panel"
                id={`tab-${v.id}`}
                tabIndex={v.id === active ? 0 : -1}
                title={`${v.title} (Ctrl+${i + 1})`}
                className={v.id === active ? 'active' : ''}
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
      <main id="editor" className="editor">
        {sandbox && (
          <div className="sandbox-banner" role="status">
            Sandbox: an emulated Symphony pod and Microsoft 365 tenant on this machine. Nothing here reaches a real pod or mailbox.
          </div>
        )}
        <ConnectionBanner />
        <SignInBanner />
        <SignInPageNotice />
        <div id="view-panel" className="view-panel" role="tabpanel" aria-labelledby={`tab-${view.id}`}>
          {/* One boundary per view, reset when the officer switches views. */}
          <ErrorBoundary key={view.id} where={`the ${view.title} view`} onError={onViewError}>
            <ActiveView />
          </ErrorBoundary>
        </div>
      </main>
      <StatusBar />
    </div>
  );
}
