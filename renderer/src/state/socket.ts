import type { ServerMessage } from '../../../shared/contract/client';
import { reconnectDelay, type ConnectionStore } from './connection';

/** What a refused socket learned from the host (see `signInAgain` in transport.ts). */
export type Access = 'down' | 'unchanged' | 'signed-in' | 'refused';

export interface SocketOptions {
  /** The address to open, asked again on every attempt (it carries the current CSRF value). */
  url: () => string;
  connection: ConnectionStore;
  onMessage: (message: ServerMessage) => void;
  /** The open socket closed (or an attempt failed): calls in flight get their answer here. */
  onClose: () => void;
  /** After an attempt that never opened: is the host down, or did it forget this page's session? */
  checkAccess: () => Promise<Access>;
}

export interface ReconnectingSocket {
  connect(): void;
  /** The open socket; waits while the page is (re)connecting. */
  whenOpen(): Promise<WebSocket>;
}

/**
 * One WebSocket kept open: when it drops the page reconnects with back-off (`reconnectDelay`),
 * reporting each state to `connection` for the banner. An attempt refused although the host is up
 * means the host restarted: `checkAccess` signs in again, or says the host now refuses this page.
 */
export function reconnectingSocket({ url, connection, onMessage, onClose, checkAccess }: SocketOptions): ReconnectingSocket {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let waiting: ((ws: WebSocket) => void)[] = [];

  const connect = () => {
    const ws = new WebSocket(url());
    let wasOpen = false;
    ws.onopen = () => {
      wasOpen = true;
      attempt = 0;
      socket = ws;
      connection.set({ status: 'connected', connected: connection.get().connected + 1 });
      const ready = waiting;
      waiting = [];
      for (const resolve of ready) resolve(ws);
    };
    ws.onmessage = (e) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(e.data)) as ServerMessage;
      } catch {
        return;
      }
      onMessage(message);
    };
    ws.onclose = () => {
      if (socket === ws) socket = undefined;
      onClose();
      void scheduleReconnect(wasOpen);
    };
  };

  const scheduleReconnect = async (justLost: boolean) => {
    if (justLost) attempt = 0;
    const delay = reconnectDelay(attempt++);
    const connected = connection.get().connected;
    connection.set({ status: 'reconnecting', connected, attempt, retryAt: Date.now() + delay });
    await new Promise((r) => setTimeout(r, delay));
    // A socket refused although the host is up: it restarted and forgot this page's session.
    if (!justLost && (await checkAccess()) === 'refused') {
      connection.set({ status: 'refused', connected });
      setTimeout(() => void scheduleReconnect(false), 5000);
      return;
    }
    connect();
  };

  return {
    connect,
    whenOpen: () => (socket ? Promise.resolve(socket) : new Promise((resolve) => waiting.push(resolve))),
  };
}
