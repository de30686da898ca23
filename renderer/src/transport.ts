import { createArchiverApi, type ContractTransport, type UploadResult } from '../../shared/contract/client';
import type { ArchiverApi, CallName, EventName } from '../../shared/contract';
import type { CallResult } from '../../shared/contract/define';
import { alwaysConnected, createConnectionStore, type ConnectionStore } from './state/connection';
import { reconnectingSocket } from './state/socket';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser host. */
    archiverBridge?: ContractTransport;
  }
}

// Names shared with electron/host/browser-host.ts (the renderer cannot import Node code).
const CSRF_META = 'archiver-csrf';
const CSRF_PARAM = 'csrf';
const CSRF_HEADER = 'X-Archiver-CSRF';
const CSRF_STORAGE = 'archiver-csrf';

const notSignedIn = {
  code: 'permission-denied' as const,
  message: 'This page was not opened from the URL the archiver printed, so it cannot reach the archiver.',
  fix: 'Open the URL printed by "npm run serve" (it carries the access token) again.',
};

/**
 * The browser host's per-session CSRF value. The host puts it in a `<meta>` of the one page that
 * opened the printed URL with its token; it is kept in this origin's localStorage (other pages,
 * even on another port of 127.0.0.1, cannot read it), and the token leaves the address bar.
 */
export function browserCsrf(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${CSRF_META}"]`);
  if (meta?.content) {
    localStorage.setItem(CSRF_STORAGE, meta.content);
    meta.remove();
  }
  const url = new URL(location.href);
  if (url.searchParams.has('tkn')) {
    // Kept for this tab only, to sign in again after the host restarts (webSocketTransport).
    sessionStorage.setItem(TOKEN_STORAGE, url.searchParams.get('tkn') ?? '');
    url.searchParams.delete('tkn');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return localStorage.getItem(CSRF_STORAGE) ?? undefined;
}

/** A same-origin link of the browser host (a download from the exports folder) with the CSRF value the host asks for. */
export function withCsrf(href: string): string {
  const csrf = window.archiverBridge ? undefined : browserCsrf();
  if (!csrf) return href;
  return `${href}${href.includes('?') ? '&' : '?'}${CSRF_PARAM}=${encodeURIComponent(csrf)}`;
}

const TOKEN_STORAGE = 'archiver-token';

/**
 * The contract over the browser host's WebSocket. When the socket drops (host crashed, restarted,
 * laptop slept) the calls in flight answer "unreachable", new calls wait, and the page reconnects
 * with back-off, reporting each state to `connection` for the banner. A restarted host has
 * forgotten this page's session: the page signs in again with the access token it was opened
 * with (kept in this tab's sessionStorage, like the CSRF value in localStorage) and carries on;
 * a host that now has another token is named as such instead of retried forever.
 */
export function webSocketTransport(
  connection: ConnectionStore,
  initialCsrf = browserCsrf(),
  base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
): ContractTransport {
  let csrf = initialCsrf;
  let nextId = 1;
  const pending = new Map<number, (r: CallResult) => void>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const socket = reconnectingSocket({
    url: () => `${base}?${CSRF_PARAM}=${encodeURIComponent(csrf ?? '')}`,
    connection,
    onMessage(message) {
      if (message.type === 'result') {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      } else {
        for (const l of listeners) l(message.name, message.payload);
      }
    },
    onClose() {
      for (const [id, resolve] of pending) {
        resolve({ ok: false, error: { code: 'unreachable', message: 'The connection to the archiver was lost.', fix: 'The page reconnects by itself; retry once the banner is gone.' } });
        pending.delete(id);
      }
    },
    async checkAccess() {
      const access = await signInAgain();
      if (access.state === 'signed-in') csrf = access.csrf;
      return access.state;
    },
  });
  if (csrf) socket.connect();

  return {
    async call(name: CallName, input: unknown) {
      if (!csrf) return { ok: false, error: notSignedIn };
      const ws = await socket.whenOpen();
      const id = nextId++;
      return new Promise<CallResult>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'call', id, name, input }));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    upload: (file, onProgress) => (csrf ? httpUpload(file, csrf, onProgress) : Promise.resolve({ ok: false, error: notSignedIn })),
  };
}

/**
 * After a failed reconnection: is the host down (`down`), still knowing this page's session
 * (`unchanged`), restarted and signed in again with the tab's access token (`signed-in`, with the
 * new session's CSRF value; the cookie comes with the answer), or refusing that token (`refused`)?
 */
async function signInAgain(): Promise<{ state: 'down' | 'unchanged' | 'refused' } | { state: 'signed-in'; csrf: string }> {
  try {
    const probe = await fetch('/', { cache: 'no-store', credentials: 'same-origin' });
    if (probe.status !== 401 && probe.status !== 403) return { state: 'unchanged' };
    const token = sessionStorage.getItem(TOKEN_STORAGE);
    if (!token) return { state: 'refused' };
    const answer = await fetch(`/?tkn=${encodeURIComponent(token)}`, { cache: 'no-store', credentials: 'same-origin' });
    if (!answer.ok) return { state: 'refused' };
    const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
    const csrf = page.querySelector<HTMLMetaElement>(`meta[name="${CSRF_META}"]`)?.content;
    if (!csrf) return { state: 'refused' };
    localStorage.setItem(CSRF_STORAGE, csrf);
    return { state: 'signed-in', csrf };
  } catch {
    return { state: 'down' };
  }
}

/**
 * POST /uploads with the file as the body: the browser streams it from disk (XMLHttpRequest,
 * because fetch reports no upload progress) and the host streams it to its upload folder.
 */
function httpUpload(file: Blob, csrf: string, onProgress?: (sent: number, total: number) => void): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/uploads');
    xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      try {
        resolve(JSON.parse(xhr.responseText) as UploadResult);
      } catch {
        resolve({ ok: false, error: { code: 'internal', message: `The upload was answered with HTTP ${xhr.status}.`, detail: xhr.responseText.slice(0, 500) } });
      }
    };
    xhr.onerror = () => resolve({ ok: false, error: { code: 'unreachable', message: 'The upload did not reach the archiver.', fix: 'Check that the archiver is still running, then choose the file again.' } });
    xhr.send(file);
  });
}

export function createApi(): { api: ArchiverApi; connection: ConnectionStore } {
  if (window.archiverBridge) return { api: createArchiverApi(window.archiverBridge), connection: alwaysConnected };
  const connection = createConnectionStore();
  return { api: createArchiverApi(webSocketTransport(connection)), connection };
}
