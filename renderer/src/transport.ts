import { createArchiverApi, type ContractTransport, type ServerMessage } from '../../shared/contract/client';
import type { ArchiverApi, CallName, EventName } from '../../shared/contract';
import type { CallResult } from '../../shared/contract/define';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser host. */
    archiverBridge?: ContractTransport;
  }
}

/** The contract over the browser host's WebSocket, with reconnection. */
export function webSocketTransport(url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`): ContractTransport {
  let socket: WebSocket | undefined;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (r: CallResult) => void; message: string }>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  let opened: Promise<WebSocket>;

  const connect = (): Promise<WebSocket> =>
    (opened = new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        retryMs = 250;
        socket = ws;
        resolve(ws);
      };
      ws.onmessage = (e) => {
        const message = JSON.parse(String(e.data)) as ServerMessage;
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
  void connect();

  return {
    async call(name: CallName, input: unknown) {
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
  };
}

export function createApi(): ArchiverApi {
  return createArchiverApi(window.archiverBridge ?? webSocketTransport());
}
