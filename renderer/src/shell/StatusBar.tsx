import { useCall } from '../state/api-context';

/** Bottom bar: version and host now; sign-in, next run and last result are added by their features. */
export function StatusBar() {
  const info = useCall('app.info', {});
  return (
    <footer className="status-bar" role="status" aria-live="polite">
      {info.state === 'ready' && (
        <span data-testid="status-version">
          Symphony Archiver {info.value.version} · {info.value.host === 'browser' ? 'browser host' : info.value.host}
        </span>
      )}
      {info.state === 'error' && <span className="error">Core unreachable: {info.error.message}</span>}
    </footer>
  );
}
