import type { z } from 'zod';
import type { CallSpec, CallInput, CallOutput } from './define';
import { appCalls, appEvents } from './app';
import { connectorCalls, connectorEvents } from './connectors';
import { captureCalls, captureEvents } from './capture';
import { contentExportCalls, contentExportEvents } from './content-export';
import { convertCalls, convertEvents } from './convert';
import { importCalls, importEvents } from './import';
import { mappingCalls, mappingEvents } from './mapping';
import { runCalls, runEvents } from './runs';
import { sandboxCalls, sandboxEvents } from './sandbox';

export * from './define';
export * from './fields';
export * from './app';
export * from './connectors';
export * from './capture';
export * from './content-export';
export * from './convert';
export * from './import';
export * from './mapping';
export * from './runs';
export * from './sandbox';
export * from './run-words';
export * from './reasons';

/** Every call between UI and core, declared once; hosts and clients are derived from this. */
export const calls = {
  ...appCalls,
  ...connectorCalls,
  ...captureCalls,
  ...contentExportCalls,
  ...convertCalls,
  ...importCalls,
  ...mappingCalls,
  ...runCalls,
  ...sandboxCalls,
} as const satisfies Record<string, CallSpec>;

/** Every event the core pushes to the UI. */
export const events = {
  ...appEvents,
  ...connectorEvents,
  ...captureEvents,
  ...contentExportEvents,
  ...convertEvents,
  ...importEvents,
  ...mappingEvents,
  ...runEvents,
  ...sandboxEvents,
} as const satisfies Record<string, z.ZodType>;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type Events = typeof events;
export type EventName = keyof Events;
export type InputOf<N extends CallName> = CallInput<Calls[N]>;
export type OutputOf<N extends CallName> = CallOutput<Calls[N]>;
export type PayloadOf<E extends EventName> = z.output<Events[E]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}

/** The API object the renderer sees, whatever the transport (Electron IPC or WebSocket). */
export interface ArchiverApi {
  invoke<N extends CallName>(name: N, input: InputOf<N>): Promise<OutputOf<N>>;
  on<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void): () => void;
  /**
   * Hands a file the officer chose to the core as a stream (browser host: an HTTP upload; desktop:
   * IPC chunks), reporting bytes sent; the id it returns names the file in calls such as
   * `mapping.previewCsv({ upload })`. Never reads the whole file into memory.
   */
  upload(file: Blob, onProgress?: (sent: number, total: number) => void): Promise<UploadedFile>;
}

export interface UploadedFile {
  id: string;
  bytes: number;
}
