/** Something a host stops on its way out, in order. */
export interface Stoppable {
  dispose?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/**
 * SIGINT or SIGTERM stops a served host once: each part in the order given (the HTTP host before
 * the core, the core before what it talks to), then the process exits.
 */
export function stopOnSignals(parts: readonly Stoppable[]): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const part of parts) await (part.dispose ? part.dispose() : part.stop?.());
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
