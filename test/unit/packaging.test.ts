import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageInfo } from '../../electron/core/platform/package-root';

const root = packageInfo().root;

describe('electron-builder configuration', () => {
  // It cannot be packaged here (no Electron binary), so electron-builder's own schema is the check.
  const schema = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);

  it('is valid against app-builder-lib/scheme.json', () => {
    const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as unknown;
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check does reject a broken configuration', () => {
    expect(validate({ appId: 'x', win: { target: 42 }, notAnOption: true })).toBe(false);
  });

  it('packs what the app loads at run time', () => {
    const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as { extraMetadata: { main: string }; files: string[] };
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; productName: string };
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(config.files).toContain('dist/**/*');
    expect(fs.existsSync(path.join(root, 'resources', 'icon.png'))).toBe(true);
    // Electron's userData folder is named after productName; the Node hosts use the same name.
    expect(pkg.productName).toBe('Symphony Archiver');
  });
});

describe('Electron stays at the edge', () => {
  it('only the shell imports electron', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(ts|tsx)$/.test(entry.name) && /from ['"]electron['"]/.test(fs.readFileSync(file, 'utf8'))) offenders.push(path.relative(root, file));
      }
    };
    for (const dir of ['electron', 'shared', 'renderer/src']) walk(path.join(root, dir));
    const allowed = (file: string) => file === 'electron/main.ts' || file === 'electron/preload.ts' || file.startsWith('electron/shell/');
    expect(offenders.filter((f) => !allowed(f))).toEqual([]);
    expect(offenders).toContain('electron/main.ts');
  });
});
