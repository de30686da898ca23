import { canonicalJson, parseJson } from '../../electron/core/symphony/json';
import { bigintJson } from '../../electron/sandbox/emulators/symphony/content';
import type { PodState } from '../../electron/sandbox/emulators/symphony';
import { v4Message } from '../../electron/sandbox/emulators/symphony/views';

/** The canonical source JSON the member reader would store for a pod message (wire JSON parsed back). */
export function expectedSourceJson(pod: PodState, messageId: string): string {
  for (const stream of pod.streams.values()) {
    const m = stream.messages.find((x) => x.id === messageId);
    if (m) return canonicalJson(parseJson(bigintJson(v4Message(pod, stream, m))));
  }
  throw new Error(`no message ${messageId}`);
}
