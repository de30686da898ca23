import { ArchiverError, type ContractErrorValue } from '../errors';
import type { ArchiverApi, CallName, EventName, InputOf, OutputOf, PayloadOf, UploadedFile } from './index';
import type { CallResult } from './define';

/**
 * What a host gives the renderer: raw results and raw events. Both transports (the Electron
 * preload bridge and the browser host's WebSocket) implement exactly this, so the UI code is one.
 */
export interface ContractTransport {
  call(name: CallName, input: unknown): Promise<CallResult>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  /** Streams a file to the host's upload store; a failure is a typed error value. */
  upload(file: Blob, onProgress?: (sent: number, total: number) => void): Promise<UploadResult>;
}

export type UploadResult = { ok: true; value: UploadedFile } | { ok: false; error: ContractErrorValue };

/** Bytes per IPC message of a desktop upload: small enough for the IPC, large enough to be quick. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** The typed API over any transport: values on success, `ArchiverError` (typed, user-facing) on failure. */
export function createArchiverApi(transport: ContractTransport): ArchiverApi {
  return {
    async invoke<N extends CallName>(name: N, input: InputOf<N>): Promise<OutputOf<N>> {
      const result = await transport.call(name, input);
      if (!result.ok) throw new ArchiverError(result.error);
      return result.value as OutputOf<N>;
    },
    on<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void): () => void {
      return transport.subscribe((name, payload) => {
        if (name === event) listener(payload as PayloadOf<E>);
      });
    },
    async upload(file, onProgress) {
      const result = await transport.upload(file, onProgress);
      if (!result.ok) throw new ArchiverError(result.error);
      return result.value;
    },
  };
}

/** Messages of the browser host's WebSocket (`/ws`). */
export type ClientMessage = { type: 'call'; id: number; name: string; input: unknown };
export type ServerMessage =
  | { type: 'result'; id: number; result: CallResult }
  | { type: 'event'; name: EventName; payload: unknown };
