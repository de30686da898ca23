import { app } from 'electron';
import type { PartialHandlers } from '../core/app/dispatcher';
import type { Logger } from '../core/platform/logger';
import { relaunchArgs } from '../sandbox/launch';

/**
 * `app.relaunch`, the desktop's answer to "Try it with a sandbox" and "Leave the sandbox": the app
 * restarts itself with or without the sandbox flag. A running app cannot swap its data folder under
 * an open store and a running schedule, so it starts again instead: Electron's `app.relaunch` starts
 * the new instance once this one has quit (https://www.electronjs.org/docs/latest/api/app#apprelaunchoptions).
 */
export function relaunchHandlers(logger: Logger): PartialHandlers {
  return {
    'app.relaunch': ({ sandbox }) => {
      logger.info(sandbox ? 'restarting on a fresh sandbox folder' : 'restarting on the real data folder');
      app.relaunch({ args: relaunchArgs(process.argv.slice(1), sandbox) });
      // After the answer has gone back to the window; will-quit disposes the core as on any quit.
      setTimeout(() => app.quit(), 100);
      return { relaunching: true };
    },
  };
}
