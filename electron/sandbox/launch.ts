import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core, type CoreOptions } from '../core/app/core';
import type { PartialHandlers } from '../core/app/dispatcher';
import { claimDataFolder } from '../core/app/folder-kind';
import { appPaths, secureDataDir } from '../core/platform/paths';
import { sandboxHandlers } from './handlers';
import type { SandboxSize } from './trading-floor';
import { connectSandbox, startSandboxWorld, type SandboxWorld } from './world';

/** The desktop app's command-line flag for "run on a fresh sandbox folder" (set by `app.relaunch`). */
export const SANDBOX_FLAG = '--sandbox';

/** A new, empty sandbox data folder under the system's temporary folder; never a real archive's. */
export function freshSandboxFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'symphony-archiver-sandbox-'));
}

/**
 * Claims `dataDir` as a sandbox folder before anything writes into it: a folder that already holds
 * a real archive is refused (folder-kind.ts), so the sandbox can never be mixed with one.
 */
export function claimSandboxFolder(dataDir: string): void {
  claimDataFolder(appPaths(dataDir), true);
  secureDataDir(appPaths(dataDir));
}

export interface SandboxLaunch {
  core: Core;
  world: SandboxWorld;
}

/**
 * Starts the sandbox's world and a core on a claimed sandbox folder with the two connectors made:
 * what `npm run demo` and the desktop app's "Try it with a sandbox" both run. `hostHandlers` adds
 * the host's own calls (the desktop's `app.relaunch`) beside the sandbox's.
 */
export async function launchSandbox(
  options: Omit<CoreOptions, 'sandbox' | 'hostHandlers'> & { size?: SandboxSize; hostHandlers?: (core: Core) => PartialHandlers },
): Promise<SandboxLaunch> {
  const { size = 'full', hostHandlers, ...coreOptions } = options;
  claimSandboxFolder(coreOptions.dataDir);
  const world = await startSandboxWorld(path.join(coreOptions.dataDir, 'sandbox'), size);
  try {
    const core = new Core({ ...coreOptions, sandbox: true, hostHandlers: (c) => ({ ...sandboxHandlers(world), ...hostHandlers?.(c) }) });
    await connectSandbox(core, world);
    return { core, world };
  } catch (error) {
    await world.stop();
    throw error;
  }
}

/**
 * The arguments the desktop app restarts with: its own, without any sandbox flag, plus the flag
 * when it should come back as a sandbox. Each sandbox start makes a fresh folder (the emulated pod
 * and tenant live in memory, so an older sandbox folder would point at services that are gone).
 */
export function relaunchArgs(argv: readonly string[], sandbox: boolean): string[] {
  const kept = argv.filter((a) => a !== SANDBOX_FLAG);
  return sandbox ? [...kept, SANDBOX_FLAG] : kept;
}
