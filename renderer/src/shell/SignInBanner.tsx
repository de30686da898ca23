import { useState } from 'react';
import type { ConnectorRunStatus } from '../../../shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { useAction } from '../components/useAction';
import { useApi, useCall } from '../state/api-context';
import { notifyAuthChanged } from '../views/connectors/selection';

/**
 * A connector whose last run ended `needs-sign-in` (its interactive Microsoft 365 sign-in expired
 * or was removed): the run stopped and its open deliveries wait. Shown above every view with a
 * Sign in button, since nothing more is archived for that connector until the officer signs in.
 */
export function SignInBanner() {
  const runs = useCall('runs.status', {}, { refreshOn: ['runs.changed', 'connectors.changed'] });
  const waiting = runs.state === 'ready' ? runs.value.filter((s) => !s.current && s.last?.status === 'needs-sign-in') : [];
  if (waiting.length === 0) return null;
  return (
    <>
      {waiting.map((s) => (
        <SignInRow key={`${s.connectorId}:${s.last!.id}`} status={s} />
      ))}
    </>
  );
}

function SignInRow({ status }: { status: ConnectorRunStatus }) {
  const api = useApi();
  const [done, setDone] = useState(false);
  const signIn = useAction(async () => {
    const result = await api.invoke('auth.signIn', { connectorId: status.connectorId });
    notifyAuthChanged();
    if (result.signedIn) setDone(true);
    return result;
  });
  if (done) {
    return (
      <div className="connection-banner banner-ok" role="status" data-testid="sign-in-banner" data-state="signed-in">
        <span>
          <strong>{status.name}: signed in again.</strong> The next run continues the waiting deliveries{status.nextRunAt ? ` (${new Date(status.nextRunAt).toLocaleString()})` : ''}.
        </span>
        <button type="button" className="notice-close" onClick={() => setDone(false)} aria-label="Dismiss">
          ×
        </button>
      </div>
    );
  }
  return (
    <div className="connection-banner banner-warn" role="alert" data-testid="sign-in-banner" data-state="needs-sign-in">
      <span>
        <strong>{status.name}: the Microsoft 365 sign-in has expired.</strong> Run {status.last!.id} stopped; its open deliveries wait and nothing is lost. Sign in
        again, or use a certificate for unattended runs.
      </span>
      <button type="button" onClick={() => void signIn.run()} disabled={signIn.busy} data-testid="sign-in-banner-button">
        {signIn.busy ? 'Signing in…' : 'Sign in'}
      </button>
      {signIn.error && <ErrorNotice error={signIn.error} />}
    </div>
  );
}
