import path from 'node:path';
import { app, session, type BrowserWindow } from 'electron';
import { Core } from './core/app/core';
import { createLogger } from './core/platform/logger';
import { appPaths } from './core/platform/paths';
import { registerAppScheme, serveRenderer } from './shell/app-protocol';
import { bindContract } from './shell/ipc';
import { createMainWindow, hardenWebContents } from './shell/window';

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

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.whenReady().then(() => {
    const appRoot = app.getAppPath();
    const dataDir = app.getPath('userData');
    const logger = createLogger({ dir: appPaths(dataDir).logs });
    core = new Core({ dataDir, host: 'electron', logger });

    // The app needs no camera, notifications or other web permissions.
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    serveRenderer(path.join(appRoot, 'dist', 'renderer'));
    bindContract(core, () => window?.webContents);
    window = createMainWindow(appRoot);
    window.on('closed', () => (window = undefined));

    app.on('activate', () => {
      if (!window) window = createMainWindow(appRoot);
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    void core?.dispose();
  });
}
