import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

// The layer table of docs/ARCHITECTURE.md is enforced by eslint.config.js. These cases prove the
// rules bite: a deliberately bad file in each direction must fail lint, a good one must pass.
const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layers enforced by lint', () => {
  const upward: Array<[string, string]> = [
    ['electron/core/store/fixture.ts', "import { Core } from '../app/core';\nexport const x = Core;\n"],
    ['electron/core/store/fixture.ts', "import { captureBySource } from '../symphony/sources';\nexport const x = captureBySource;\n"],
    ['electron/core/graph/fixture.ts', "import { RunService } from '../runs/service';\nexport const x = RunService;\n"],
    ['electron/core/graph/fixture.ts', "import { MappingService } from '../mapping/resolver';\nexport const x = MappingService;\n"],
    ['electron/core/platform/fixture.ts', "import { Store } from '../store/database';\nexport const x = Store;\n"],
    ['electron/core/runs/fixture.ts', "import { Core } from '../app/core';\nexport const x = Core;\n"],
    ['electron/core/app/fixture.ts', "import { startBrowserHost } from '../../host/browser-host';\nexport const x = startBrowserHost;\n"],
    ['renderer/src/fixture.ts', "import { Core } from '../../electron/core/app/core';\nexport const x = Core;\n"],
    ['electron/sandbox/emulators/graph/fixture.ts', "import { ARCHIVE_KEY_PROPERTY } from '../../../core/graph/message';\nexport const x = ARCHIVE_KEY_PROPERTY;\n"],
    ['electron/sandbox/fixture.ts', "import { makeTempDir } from '../../test/support/tmp';\nexport const x = makeTempDir;\n"],
  ];
  it.each(upward)('%s importing upward fails lint', async (file, code) => {
    expect(await ruleIdsFor(file, code)).toContain('import-x/no-restricted-paths');
  });

  it('an emulator may use the platform and the specs', async () => {
    const ids = await ruleIdsFor('electron/sandbox/emulators/graph/fixture.ts', "import { packageInfo } from '../../../core/platform/package-root';\nimport { specDir } from '../../spec/spec-files';\nexport const x = [packageInfo, specDir];\n");
    expect(ids).toEqual([]);
  });

  it('a downward import passes', async () => {
    const ids = await ruleIdsFor('electron/core/runs/fixture.ts', "import { Store } from '../store/database';\nexport const x = Store;\n");
    expect(ids).toEqual([]);
  });

  const dir = path.join(root, 'electron/core/platform', `lint-fixture-${process.pid}`);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it('an import cycle fails lint', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = (): unknown => b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = (): unknown => a;\n");
    const results = await eslint.lintFiles([path.join(dir, 'a.ts')]);
    expect(results[0]?.messages.map((m) => m.ruleId)).toContain('import-x/no-cycle');
  });
});

describe('file and function size enforced by lint', () => {
  const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  total += ${i};`).join('\n');
  it('a function past 80 lines fails lint, one of 80 passes', async () => {
    expect(await ruleIdsFor('electron/core/runs/fixture.ts', `export function f(): number {\n  let total = 0;\n${body(90)}\n  return total;\n}\n`)).toContain('max-lines-per-function');
    expect(await ruleIdsFor('electron/core/runs/fixture.ts', `export function f(): number {\n  let total = 0;\n${body(70)}\n  return total;\n}\n`)).toEqual([]);
  });

  it('a file past 400 lines fails lint, in the core, the sandbox and shared alike', async () => {
    const code = Array.from({ length: 410 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n';
    for (const file of ['electron/core/graph/fixture.ts', 'electron/sandbox/emulators/graph/fixture.ts', 'shared/contract/fixture.ts']) {
      expect(await ruleIdsFor(file, code)).toContain('max-lines');
    }
  });
});
