import './components.css';
import type { ArchiverError } from '../../../shared/errors';

/**
 * An ArchiverError as the officer should read it: what happened, what to do about it, which field
 * or item it is about (settings fields are marked on the form instead); the technical detail stays
 * folded for support.
 */
export function ErrorNotice({ error, title, onDismiss }: { error: ArchiverError; title?: string; onDismiss?: () => void }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="error-notice" data-code={error.code}>
      <div className="notice-body">
        {title && <strong className="notice-title">{title}</strong>}
        <p className="notice-message">{error.message}</p>
        {error.fix && (
          <p className="notice-fix">
            <strong>How to fix it: </strong>
            {error.fix}
          </p>
        )}
        {error.target && !error.target.startsWith('settings.') && (
          <p className="notice-target">
            <strong>About: </strong>
            <code>{error.target}</code>
          </p>
        )}
        {error.detail && (
          <details>
            <summary>Technical details</summary>
            <pre>{error.detail}</pre>
          </details>
        )}
      </div>
      {onDismiss && (
        <button className="notice-close" onClick={onDismiss} aria-label="Dismiss message">
          ×
        </button>
      )}
    </div>
  );
}

export function Notice({ kind, children, testId }: { kind: 'ok' | 'info' | 'warn'; children: React.ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${kind}`} role="status" data-testid={testId}>
      <div className="notice-body">{children}</div>
    </div>
  );
}
