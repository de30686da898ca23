import fs from 'node:fs';
import path from 'node:path';
import { packageInfo } from '../../core/platform/package-root';

/**
 * Where the published API descriptions the emulators are held to are read from: the project's
 * `../shared/specs/<name>` where it exists (the canonical copy the tests are held to), else the
 * unmodified copy shipped in `resources/specs/<name>` for the sandbox on a machine without it.
 * test/unit/spec-copies.test.ts proves the two are byte for byte the same.
 */
export function specDir(name: 'symphony' | 'graph'): string {
  const root = packageInfo().root;
  const shared = path.resolve(root, '..', 'shared', 'specs', name);
  return fs.existsSync(shared) ? shared : path.join(root, 'resources', 'specs', name);
}
