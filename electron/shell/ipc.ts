import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Core } from '../core/app/core';
import type { Disposable } from '../core/platform/disposable';
import { checkIpcCall, failureResult, handleUploadMessage } from '../host/guard';
import { IPC_CALL, IPC_EVENT, IPC_UPLOAD } from './ipc-channels';
import { APP_ORIGIN } from './app-protocol';

const notOurWindow = { code: 'permission-denied' as const, message: 'Calls are only accepted from the archiver window.' };

/**
 * The contract over IPC: one invoke channel for calls, one for uploads, one channel for events.
 * Calls are only accepted from our own renderer frame (app://archiver), never from a navigated or
 * embedded page, and go through the same checks as the browser host's WebSocket (host/guard.ts).
 */
export function bindContract(core: Core, target: () => WebContents | undefined, hooks: { afterCall?: (name: unknown) => void } = {}): Disposable {
  const fromOurWindow = (event: IpcMainInvokeEvent) => (event.senderFrame?.origin ?? '') === APP_ORIGIN;
  ipcMain.handle(IPC_CALL, async (event, name: unknown, input: unknown) => {
    if (!fromOurWindow(event)) return failureResult(notOurWindow);
    const checked = checkIpcCall(name, input);
    if (!checked.ok) return failureResult(checked.error);
    const result = await core.dispatcher.dispatch(checked.name, checked.input);
    if (result.ok) hooks.afterCall?.(checked.name);
    return result;
  });
  ipcMain.handle(IPC_UPLOAD, async (event, step: unknown, id: unknown, chunk: unknown) => {
    if (!fromOurWindow(event)) return { ok: false, error: notOurWindow };
    return handleUploadMessage(core.uploads, step, id, chunk);
  });
  const subscription = core.events.subscribe((name, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT, name, payload);
  });
  return {
    dispose() {
      ipcMain.removeHandler(IPC_CALL);
      ipcMain.removeHandler(IPC_UPLOAD);
      void subscription.dispose();
    },
  };
}
