import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, powerMonitor, session, shell, type BrowserWindow } from 'electron';
import { ArchiverError, errorText } from '../shared/errors';
import { Core } from './core/app/core';
import { createLogger } from './core/platform/logger';
import { appPaths, describeTightened, secureDataDir } from './core/platform/paths';
import { installLastResort } from './host/last-resort';
import { claimSandboxFolder, freshSandboxFolder, launchSandbox, SANDBOX_FLAG } from './sandbox/launch';
import type { SandboxWorld } from './sandbox/world';
import { registerAppScheme, serveRenderer } from './shell/app-protocol';
import { bindContract } from './shell/ipc';
import { relaunchHandlers } from './shell/relaunch';
import { createShellCipher } from './shell/safe-storage';
import { createMainWindow, hardenWebContents, isSafeExternalUrl } from './shell/window';

/**
 * The Electron shell: window, IPC and OS integration only. Everything else is the plain-Node Core,
 * the same one the browser host and the headless command use.
 */
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let core: Core | undefined;
  let world: SandboxWorld | undefined;
  let sandboxDir: string | undefined;
  let cleanedUp = false;
  // "Try it with a sandbox" restarts the app with this flag (shell/relaunch.ts): a fresh sandbox
  // folder and an emulated pod and tenant in this process, never the real archive's folder.
  const sandbox = process.argv.includes(SANDBOX_FLAG);

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.whenReady().then(async () => {
    const appRoot = app.getAppPath();
    const dataDir = sandbox ? freshSandboxFolder() : app.getPath('userData');
    if (sandbox) sandboxDir = dataDir;
    const paths = appPaths(dataDir);
    // A sandbox folder is claimed before anything is written into it (folder-kind.ts).
    if (sandbox) claimSandboxFolder(dataDir);
    // Owner-only before the logger writes its first file; then say what was too wide.
    const tightened = secureDataDir(paths);
    const logger = createLogger({ dir: paths.logs });
    installLastResort(logger);
    const widePermissions = describeTightened(tightened);
    if (widePermissions) logger.warn(widePermissions);
    const options = {
      dataDir,
      host: 'electron' as const,
      logger,
      startScheduler: true,
      secretCipher: createShellCipher(paths.secrets, logger),
      // Microsoft sign-in happens in the system browser (PKCE, loopback redirect), never in our window.
      openBrowser: async (url: string) => {
        if (!isSafeExternalUrl(url)) throw new Error(`Refusing to open a non-https sign-in address: ${url}`);
        await shell.openExternal(url);
      },
      hostHandlers: () => relaunchHandlers(logger),
    };
    if (sandbox) {
      const launched = await launchSandbox(options);
      core = launched.core;
      world = launched.world;
    } else {
      core = new Core(options);
    }
    const running = core;
    // A machine waking from sleep may have missed a scheduled run: catch up now.
    powerMonitor.on('resume', () => running.runs.scheduler.onResume());
    // The login item belongs to the real archive's settings; a sandbox never changes it.
    if (!sandbox) void applyLoginItem(running);

    // The app needs no camera, notifications or other web permissions.
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    serveRenderer(path.join(appRoot, 'dist', 'renderer'));
    bindContract(core, () => window?.webContents, { afterCall: (name) => !sandbox && name === 'runs.settings' && void applyLoginItem(running) });
    window = createMainWindow(appRoot, { sandbox });
    window.on('closed', () => (window = undefined));

    app.on('activate', () => {
      if (!window) window = createMainWindow(appRoot, { sandbox });
    });
  }).catch((error: unknown) => {
    // A data folder refused (folder-kind.ts) or a sandbox that could not start: say so, then quit.
    const fix = ArchiverError.is(error) && error.fix ? `\n\n${error.fix}` : '';
    dialog.showErrorBox('Symphony Archiver could not start', `${errorText(error)}${fix}`);
    app.exit(1);
  });

  /** Registers or removes the login item to match the officer's run settings. */
  async function applyLoginItem(running: Core): Promise<void> {
    if (process.platform === 'linux') return; // no login items on Linux; use the headless command with systemd instead
    const settings = await running.dispatcher.invoke('runs.settings', {});
    if (app.getLoginItemSettings().openAtLogin !== settings.startAtLogin) app.setLoginItemSettings({ openAtLogin: settings.startAtLogin });
  }

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', (event) => {
    if (!sandboxDir || cleanedUp) {
      void core?.dispose();
      return;
    }
    // A sandbox folder is make-believe and starts fresh every time: once the core and the world
    // have stopped it is removed (a spool of its 100 MB recording would otherwise stay in the
    // temporary folder), then the app quits (and restarts, after app.relaunch).
    event.preventDefault();
    cleanedUp = true;
    const dir = sandboxDir;
    void Promise.allSettled([core?.dispose(), world?.stop()]).then(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      app.exit(0);
    });
  });
}
