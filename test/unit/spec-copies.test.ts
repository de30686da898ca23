import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageInfo } from '../../electron/core/platform/package-root';

// resources/specs ships the published descriptions for the sandbox; they must be the canonical
// ones (../shared/specs, unmodified from FINOS and Microsoft), byte for byte.
const root = packageInfo().root;
const shared = path.resolve(root, '..', 'shared', 'specs');

describe.runIf(fs.existsSync(shared))('shipped API descriptions', () => {
  it.each(['symphony', 'graph'])('resources/specs/%s is the canonical copy, file for file', (name) => {
    const canonical = fs.readdirSync(path.join(shared, name)).sort();
    expect(fs.readdirSync(path.join(root, 'resources', 'specs', name)).sort()).toEqual(canonical);
    for (const file of canonical) {
      expect(fs.readFileSync(path.join(root, 'resources', 'specs', name, file)).equals(fs.readFileSync(path.join(shared, name, file))), file).toBe(true);
    }
  });
});
