import { ipcMain, type WebContents } from 'electron';
import type { Core } from '../core/app/core';
import type { Disposable } from '../core/platform/disposable';
import { IPC_CALL, IPC_EVENT } from './ipc-channels';
import { APP_ORIGIN } from './app-protocol';

/**
 * The contract over IPC: one invoke channel for calls, one channel for events. Calls are only
 * accepted from our own renderer frame (app://archiver), never from a navigated or embedded page.
 */
export function bindContract(core: Core, target: () => WebContents | undefined, hooks: { afterCall?: (name: unknown) => void } = {}): Disposable {
  ipcMain.handle(IPC_CALL, async (event, name: unknown, input: unknown) => {
    const origin = event.senderFrame?.origin ?? '';
    if (origin !== APP_ORIGIN) {
      return { ok: false, error: { code: 'permission-denied', message: 'Calls are only accepted from the archiver window.' } };
    }
    const result = await core.dispatcher.dispatch(name, input);
    if (result.ok) hooks.afterCall?.(name);
    return result;
  });
  const subscription = core.events.subscribe((name, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT, name, payload);
  });
  return {
    dispose() {
      ipcMain.removeHandler(IPC_CALL);
      void subscription.dispose();
    },
  };
}
