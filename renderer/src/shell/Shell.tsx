import { useEffect } from 'react';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { ActivityBar } from './ActivityBar';
import { ConnectionBanner } from './ConnectionBanner';
import { SignInBanner } from './SignInBanner';
import { SignInPageNotice } from './SignInPageNotice';
import { StatusBar } from './StatusBar';
import { useTheme } from './theme';
import { useActiveView } from './useActiveView';

/** VS Code's layout: activity bar, editor area, status bar; views come from the registry. */
export function Shell({ onViewError }: { onViewError?: (where: string, error: Error) => void }) {
  const { views, view, select, sandbox } = useActiveView();
  const { theme, toggleTheme } = useTheme();
  useEffect(() => {
    document.title = sandbox ? 'Symphony Archiver — SANDBOX' : 'Symphony Archiver';
  }, [sandbox]);
  const ActiveView = view?.component;
  return (
    <div className="shell" data-theme={theme}>
      <ActivityBar views={views} activeId={view?.id} select={select} theme={theme} toggleTheme={toggleTheme} />
      <main id="editor" className="editor">
        {sandbox && (
          <div className="sandbox-banner" role="status">
            Sandbox: an emulated Symphony pod and Microsoft 365 tenant on this machine. Nothing here reaches a real pod or mailbox.
          </div>
        )}
        <ConnectionBanner />
        <SignInBanner />
        <SignInPageNotice />
        <div id="view-panel" className="view-panel" role="tabpanel" aria-labelledby={view ? `tab-${view.id}` : undefined} aria-busy={!view}>
          {/* One boundary per view, reset when the officer switches views. */}
          {view && ActiveView ? (
            <ErrorBoundary key={view.id} where={`the ${view.title} view`} onError={onViewError}>
              <ActiveView />
            </ErrorBoundary>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </div>
      </main>
      <StatusBar />
    </div>
  );
}
