import type { Logger } from '../core/platform/logger';

/**
 * The process-level net under every host: whatever escapes the request handlers is written to the
 * application log before anything else happens. An exception nobody caught leaves the process in
 * an unknown state (Node's own advice), so the host then stops with exit code 70 for its
 * supervisor to restart it; the store's transactions make that safe. A promise rejection nobody
 * handled is logged and the host keeps serving: only the operation that made it is lost.
 */
export function installLastResort(logger: Logger, target: NodeJS.Process = process, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onException = (error: unknown, origin: string) => {
    try {
      logger.error(`unexpected failure (${origin}); the archiver stops so that it restarts in a known state`, error);
    } finally {
      // Let the file transport write the line before the process ends.
      setTimeout(() => exit(70), 100).unref();
    }
  };
  const onRejection = (reason: unknown) => logger.error('a failure nobody handled (unhandled promise rejection); the archiver keeps running', reason);
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
