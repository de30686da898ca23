import type { ConnectionTest } from '../../../../../shared/contract';
import { ArchiverError } from '../../../../../shared/errors';
import { ErrorNotice, Notice } from '../../../components/ErrorNotice';

const icon = { ok: '✓', failed: '✗', skipped: '–' } as const;

/** The connection test step by step; the first failing step explains what is wrong and how to fix it. */
export function ConnectionReport({ result }: { result: ConnectionTest }) {
  const failed = result.steps.find((s) => s.status === 'failed');
  return (
    <div className="connection-report" data-testid="connection-report" data-ok={result.ok}>
      {result.ok ? (
        <Notice kind="ok" testId="connection-ok">
          <strong>Connected.</strong>
          {result.identity ? ` The service account is ${result.identity.displayName || result.identity.username}${result.identity.company ? ` (${result.identity.company})` : ''}.` : ''}
        </Notice>
      ) : (
        failed && (
          <ErrorNotice
            title={`The connection test failed at “${failed.label}”`}
            error={new ArchiverError(failed.error ?? { code: 'unreachable', message: failed.message })}
          />
        )
      )}
      <ol className="checklist" aria-label="Connection test steps">
        {result.steps.map((s) => (
          <li key={s.step} className={`check-${s.status}`}>
            <span className="check-icon" aria-hidden="true">
              {icon[s.status]}
            </span>
            <span className="check-label">{s.label}</span>
            <span className="sr-only">{s.status === 'ok' ? 'passed' : s.status}</span>
            <span className="check-message">{s.message}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
