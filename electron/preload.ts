import { contextBridge, ipcRenderer } from 'electron';
import { isCallName, eventNames, type EventName } from '../shared/contract';
import { UPLOAD_CHUNK_BYTES, type ContractTransport, type UploadResult } from '../shared/contract/client';
import type { CallResult } from '../shared/contract/define';
import { IPC_CALL, IPC_EVENT, IPC_UPLOAD } from './shell/ipc-channels';

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
  async upload(file, onProgress) {
    // The file is read a slice at a time, never whole: the same bounded path as the browser's upload.
    const begun = (await ipcRenderer.invoke(IPC_UPLOAD, 'begin')) as UploadResult;
    if (!begun.ok) return begun;
    const { id } = begun.value;
    for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
      const chunk = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
      const sent = (await ipcRenderer.invoke(IPC_UPLOAD, 'chunk', id, chunk)) as UploadResult;
      if (!sent.ok) {
        await ipcRenderer.invoke(IPC_UPLOAD, 'abort', id);
        return sent;
      }
      onProgress?.(sent.value.bytes, file.size);
    }
    return (await ipcRenderer.invoke(IPC_UPLOAD, 'finish', id)) as UploadResult;
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
