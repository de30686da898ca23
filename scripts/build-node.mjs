// Bundles the main-process code for its hosts with esbuild. Packages stay external (installed
// in node_modules), except in the preload, which runs sandboxed and must be self-contained.
import fs from 'node:fs';
import { build } from 'esbuild';

/** Entries whose source exists (hosts are added by the features that need them). */
const existing = (entries) => Object.fromEntries(Object.entries(entries).filter(([, file]) => fs.existsSync(file)));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    entryPoints: existing({
      'electron/main': 'electron/main.ts',
      'host/serve': 'electron/host/serve.ts',
      'host/cli': 'electron/host/cli.ts',
      'host/demo': 'electron/host/demo.ts',
    }),
    outdir: 'dist',
    format: 'esm',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: { 'electron/preload': 'electron/preload.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
]);
