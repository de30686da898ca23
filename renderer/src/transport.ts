import { createArchiverApi, type ContractTransport, type ServerMessage, type UploadResult } from '../../shared/contract/client';
import type { ArchiverApi, CallName, EventName } from '../../shared/contract';
import type { CallResult } from '../../shared/contract/define';

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

/** The contract over the browser host's WebSocket, with reconnection. */
export function webSocketTransport(csrf = browserCsrf(), base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`): ContractTransport {
  let socket: WebSocket | undefined;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (r: CallResult) => void; message: string }>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  let opened: Promise<WebSocket>;
  const url = `${base}?${CSRF_PARAM}=${encodeURIComponent(csrf ?? '')}`;

  const connect = (): Promise<WebSocket> =>
    (opened = new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        retryMs = 250;
        socket = ws;
        resolve(ws);
      };
      ws.onmessage = (e) => {
        let message: ServerMessage;
        try {
          message = JSON.parse(String(e.data)) as ServerMessage;
        } catch {
          return;
        }
        if (message.type === 'result') {
          pending.get(message.id)?.resolve(message.result);
          pending.delete(message.id);
        } else {
          for (const l of listeners) l(message.name, message.payload);
        }
      };
      ws.onclose = () => {
        socket = undefined;
        for (const [id, call] of pending) {
          call.resolve({ ok: false, error: { code: 'unreachable', message: 'The connection to the archiver was lost.', fix: 'Check that the archiver is still running, then retry.' } });
          pending.delete(id);
        }
        setTimeout(() => void connect().then(resolve), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    }));
  if (csrf) void connect();

  return {
    async call(name: CallName, input: unknown) {
      if (!csrf) return { ok: false, error: notSignedIn };
      const ws = socket ?? (await opened);
      const id = nextId++;
      return new Promise<CallResult>((resolve) => {
        pending.set(id, { resolve, message: name });
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

export function createApi(): ArchiverApi {
  return createArchiverApi(window.archiverBridge ?? webSocketTransport());
}
