import { UPLOAD_CHUNK_BYTES, type UploadResult } from '../../shared/contract/client';
import type { CallResult } from '../../shared/contract/define';
import { ArchiverError, type ContractErrorValue, errorText } from '../../shared/errors';
import type { UploadStore } from '../core/platform/uploads';

/**
 * The checks every transport applies to what a page sends, before the dispatcher sees it: the
 * WebSocket of the browser host and the IPC of the desktop shell call these same functions, so a
 * malformed or oversized message is refused the same way in both.
 */

/**
 * Largest call message accepted (the WebSocket's `maxPayload`: ws refuses a larger frame itself,
 * with close code 1009, before buffering it whole). Calls carry settings, edits and at most a
 * 32 MB CSV as text; files go over the upload path.
 */
export const MAX_CALL_BYTES = 64 * 1024 * 1024;
const MAX_NAME_LENGTH = 100;

export type CheckedCall = { ok: true; id: number; name: string; input: unknown } | { ok: false; id?: number; error: ContractErrorValue };

const refused = (message: string, fix: string, id?: number): CheckedCall => ({ ok: false, id, error: { code: 'invalid-input', message, fix } });

/** A WebSocket text frame: `{ type: 'call', id, name, input }` as JSON, or a typed refusal. */
export function parseCallMessage(data: Buffer | string, byteLength = typeof data === 'string' ? Buffer.byteLength(data) : data.length): CheckedCall {
  if (byteLength > MAX_CALL_BYTES) return refused(`The request is ${byteLength} bytes, more than the ${MAX_CALL_BYTES} a call may carry.`, 'Send files through the upload instead.');
  let message: unknown;
  try {
    message = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return refused('The request is not valid JSON.', 'Reload the page; the app and its host may be different versions.');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return refused('The request is not a call.', 'Reload the page.');
  const { type, id, name, input } = message as Record<string, unknown>;
  const validId = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
  if (type !== 'call' || validId === undefined) return refused('The request is not a call with a numeric id.', 'Reload the page.', validId);
  const named = checkCallName(name);
  if (named) return { ok: false, id: validId, error: named };
  return { ok: true, id: validId, name: name as string, input };
}

/** A call arriving over IPC (already structured-cloned by Electron): the same name and size checks. */
export function checkIpcCall(name: unknown, input: unknown): CheckedCall {
  const named = checkCallName(name);
  if (named) return { ok: false, error: named };
  const size = approximateSize(input, MAX_CALL_BYTES);
  if (size > MAX_CALL_BYTES) return refused(`The request is larger than the ${MAX_CALL_BYTES} bytes a call may carry.`, 'Send files through the upload instead.');
  return { ok: true, id: 0, name: name as string, input };
}

function checkCallName(name: unknown): ContractErrorValue | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    return { code: 'invalid-input', message: 'The request does not name a call.', fix: 'Reload the page; the app and its host may be different versions.' };
  }
  return undefined;
}

/**
 * Bytes a value would take as JSON, counted without building the string, stopping as soon as
 * `limit` is passed (so a huge value costs no more than the limit to refuse). Cycles and values
 * JSON cannot hold count as the limit: they never come from our own renderer.
 */
export function approximateSize(value: unknown, limit: number): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    if (v === null || v === undefined || typeof v === 'boolean') total += 5;
    else if (typeof v === 'number') total += 24;
    else if (typeof v === 'string') total += v.length * 3 + 2;
    else if (typeof v === 'object') {
      if (seen.has(v)) return limit + 1;
      seen.add(v);
      if (ArrayBuffer.isView(v)) total += v.byteLength * 2;
      else if (v instanceof ArrayBuffer) total += v.byteLength * 2;
      else
        for (const [key, item] of Object.entries(v)) {
          total += key.length * 3 + 4;
          stack.push(item);
        }
    } else return limit + 1;
  }
  return total;
}

export function failureResult(error: ContractErrorValue): CallResult {
  return { ok: false, error };
}

/**
 * One message of a desktop upload (`begin`, `chunk` with its bytes, `finish`, `abort`), checked
 * like a call: an unknown step, a wrong id, a chunk that is not bytes or is larger than
 * UPLOAD_CHUNK_BYTES is a typed refusal, and nothing here throws.
 */
export async function handleUploadMessage(uploads: UploadStore, step: unknown, id: unknown, chunk: unknown): Promise<UploadResult> {
  try {
    if (step === 'begin') return { ok: true, value: { id: uploads.begin(), bytes: 0 } };
    if (typeof id !== 'string') return uploadRefused('The upload step does not name an upload.');
    if (step === 'chunk') {
      if (!(chunk instanceof Uint8Array)) return uploadRefused('An upload chunk must be bytes.');
      if (chunk.byteLength > UPLOAD_CHUNK_BYTES) return uploadRefused(`An upload chunk may carry at most ${UPLOAD_CHUNK_BYTES} bytes.`);
      return { ok: true, value: { id, bytes: await uploads.append(id, chunk) } };
    }
    if (step === 'finish') return { ok: true, value: await uploads.finish(id) };
    if (step === 'abort') {
      await uploads.abort(id);
      return { ok: true, value: { id, bytes: 0 } };
    }
    return uploadRefused('This is not an upload step.');
  } catch (error) {
    return { ok: false, error: ArchiverError.is(error) ? error.toValue() : { code: 'internal', message: 'The upload failed.', detail: errorText(error) } };
  }
}

function uploadRefused(message: string): UploadResult {
  return { ok: false, error: { code: 'invalid-input', message, fix: 'Choose the file again.' } };
}
