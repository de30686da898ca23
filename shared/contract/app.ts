import { z } from 'zod';
import { call, emptyInput } from './define';

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'browser', 'cli', 'test']),
  dataDir: z.string(),
  logsDir: z.string(),
  schemaVersion: z.number().int(),
  /** New every time the core starts: a page that reconnects sees whether the host restarted. */
  instanceId: z.string(),
  /** The core runs on a sandbox data folder against an emulated pod and tenant (`npm run demo`). */
  sandbox: z.boolean().default(false),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appCalls = {
  'app.info': call(emptyInput, appInfoSchema, 'Who and where the core is: version, host, data and log folders, schema version.'),
  'app.backup': call(
    z.object({ destination: z.string().min(1).optional() }).strict().default({}),
    z.object({ path: z.string(), bytes: z.number().int() }),
    'Writes a consistent copy of the database (online backup) and returns where it went.',
  ),
  'app.logTail': call(
    z.object({ lines: z.number().int().min(1).max(5000).default(500) }).strict().default({ lines: 500 }),
    z.object({ file: z.string(), lines: z.array(z.string()), truncated: z.boolean() }),
    'The last lines of the application log, for the log viewer.',
  ),
  'app.logUiError': call(
    z.object({ where: z.string().max(200), message: z.string().max(2000), stack: z.string().max(20_000).optional() }).strict(),
    z.object({ logged: z.boolean() }),
    'Writes an error the UI caught (a view that failed to render) to the application log, for support.',
  ),
  /**
   * Desktop app only ("Try it with a sandbox" on the Welcome screen): the shell restarts the app on
   * a fresh sandbox data folder, or back on the real one. A browser host cannot switch the folder of
   * the process serving it, so it answers "not available in this host" (run `npm run demo` instead).
   */
  'app.relaunch': call(
    z.object({ sandbox: z.boolean() }).strict(),
    z.object({ relaunching: z.boolean() }),
    'Restarts the desktop app on a fresh sandbox data folder (sandbox: true) or on its real data folder (false).',
  ),
} as const;

export const appEvents = {} as const;
