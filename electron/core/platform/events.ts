import type { EventName, PayloadOf } from '../../../shared/contract';
import { toDisposable, type Disposable } from './disposable';

type AnyListener = (event: EventName, payload: unknown) => void;

/** Typed contract events from the core to every connected UI (IPC window, WebSocket clients). */
export class EventBus {
  private readonly listeners = new Set<AnyListener>();

  emit<E extends EventName>(event: E, payload: PayloadOf<E>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, payload);
      } catch {
        // A broken subscriber (a closed socket) must not stop the run that emits.
      }
    }
  }

  /** Every event, for hosts that forward them all. */
  subscribe(listener: AnyListener): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => void this.listeners.delete(listener));
  }

  on<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void): Disposable {
    return this.subscribe((name, payload) => {
      if (name === event) listener(payload as PayloadOf<E>);
    });
  }
}
