import { contextBridge, ipcRenderer } from 'electron';
import { isCallName, eventNames, type EventName } from '../shared/contract';
import type { ContractTransport } from '../shared/contract/client';
import type { CallResult } from '../shared/contract/define';
import { IPC_CALL, IPC_EVENT } from './shell/ipc-channels';

/**
 * Exposes exactly one object, `window.archiverBridge`, built from the contract: a call with a
 * declared name, and a subscription to declared events. No ipcRenderer reaches the page.
 */
const knownEvents = new Set<string>(eventNames);

const bridge: ContractTransport = {
  call(name, input) {
    if (!isCallName(name)) {
      return Promise.resolve<CallResult>({ ok: false, error: { code: 'invalid-input', message: `Unknown call ${String(name)}.` } });
    }
    return ipcRenderer.invoke(IPC_CALL, name, input) as Promise<CallResult>;
  },
  subscribe(listener) {
    const handler = (_event: Electron.IpcRendererEvent, name: string, payload: unknown) => {
      if (knownEvents.has(name)) listener(name as EventName, payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld('archiverBridge', bridge);
