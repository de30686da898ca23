import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/platform/logger';
import { makeTempDir } from '../support/tmp';

describe('logger', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('writes scoped lines to a file from plain Node and rotates into numbered files', () => {
    const logger = createLogger({ dir: temp.dir, console: false, maxSize: 2_000, keep: 3 });
    const capture = logger.scope('capture');
    for (let i = 0; i < 200; i++) capture.info(`line ${i} ${'x'.repeat(40)}`);
    logger.warn('last line');
    const files = fs.readdirSync(temp.dir).sort();
    expect(files).toEqual(['main.1.log', 'main.2.log', 'main.3.log', 'main.log']);
    const current = fs.readFileSync(path.join(temp.dir, 'main.log'), 'utf8');
    expect(current).toMatch(/\[warn\].*last line/);
    const older = fs.readFileSync(path.join(temp.dir, 'main.1.log'), 'utf8');
    expect(older).toMatch(/\(capture\).*line \d+/);
    // Every file stays near the size limit; the oldest lines were dropped past `keep`.
    for (const f of files) expect(fs.statSync(path.join(temp.dir, f)).size).toBeLessThan(2_000 + 200);
    expect(fs.readFileSync(path.join(temp.dir, 'main.3.log'), 'utf8')).not.toMatch(/line 0 /);
  });
});
