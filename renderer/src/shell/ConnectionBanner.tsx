import { useEffect, useRef, useState } from 'react';
import { useApi, useConnection } from '../state/api-context';
import { useConnectionState } from '../state/connection';

/**
 * Tells the officer when the page has lost the core (host crashed, restarted, laptop slept),
 * that it is reconnecting by itself, and once it is back whether the host had restarted. The
 * state itself is refreshed by the API provider after each reconnection.
 */
export function ConnectionBanner() {
  const store = useConnection();
  const state = useConnectionState(store);
  const api = useApi();
  const instance = useRef<string | null>(null);
  const [back, setBack] = useState<'reconnected' | 'restarted' | null>(null);

  // `api` changes after each reconnection: compare the core's instance with the one seen first.
  useEffect(() => {
    if (state.status !== 'connected') return;
    let live = true;
    api.invoke('app.info', {}).then(
      (info) => {
        if (!live) return;
        const before = instance.current;
        instance.current = info.instanceId;
        if (state.connected > 1) setBack(before !== null && before !== info.instanceId ? 'restarted' : 'reconnected');
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, state.status, state.connected]);

  useEffect(() => {
    if (!back) return;
    const timer = setTimeout(() => setBack(null), 6000);
    return () => clearTimeout(timer);
  }, [back]);

  const seconds = useSecondsUntil(state.status === 'reconnecting' ? state.retryAt : null);

  if (state.status === 'reconnecting' && state.connected > 0) {
    return (
      <div className="connection-banner banner-warn" role="alert" data-testid="connection-banner" data-state="reconnecting">
        <span className="spinner" aria-hidden="true" />
        <span>
          <strong>The connection to the archiver was lost.</strong> Reconnecting{seconds > 0 ? ` in ${seconds} s` : '…'} (attempt {state.attempt}). What is shown
          may be out of date; nothing you typed is lost.
        </span>
      </div>
    );
  }
  if (state.status === 'refused') {
    return (
      <div className="connection-banner banner-error" role="alert" data-testid="connection-banner" data-state="refused">
        <span>
          <strong>The archiver was restarted with a new access token.</strong> Open the address it printed when it started (it ends in ?tkn=…) to sign this
          page in again.
        </span>
      </div>
    );
  }
  if (back) {
    return (
      <div className="connection-banner banner-ok" role="status" data-testid="connection-banner" data-state={back}>
        <span>{back === 'restarted' ? 'The archiver restarted and the page is connected again; everything shown was reloaded.' : 'Connected again; everything shown was reloaded.'}</span>
        <button type="button" className="notice-close" onClick={() => setBack(null)} aria-label="Dismiss">
          ×
        </button>
      </div>
    );
  }
  return null;
}

function useSecondsUntil(at: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}
