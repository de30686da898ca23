import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tailLog } from '../../electron/core/app/log-tail';
import { makeTempDir } from '../support/tmp';

describe('tailLog', () => {
  const temp = makeTempDir('archiver-logtail-');
  afterEach(() => fs.rmSync(path.join(temp.dir, 'main.log'), { force: true }));

  it('returns the last lines of a log larger than one read chunk, in order', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `[2026-11-25 10:00:00.000] [info] line ${i} ${'x'.repeat(i % 50)}`);
    fs.writeFileSync(path.join(temp.dir, 'main.log'), lines.join('\n') + '\n');
    const tail = tailLog(temp.dir, 1200);
    expect(tail.lines).toEqual(lines.slice(-1200));
    expect(tail.truncated).toBe(true);
  });

  it('returns the whole log when it is shorter than asked, and nothing for a missing file', () => {
    fs.writeFileSync(path.join(temp.dir, 'main.log'), 'one\r\ntwo\nthree');
    expect(tailLog(temp.dir, 10)).toMatchObject({ lines: ['one', 'two', 'three'], truncated: false });
    fs.rmSync(path.join(temp.dir, 'main.log'));
    expect(tailLog(temp.dir, 10)).toMatchObject({ lines: [], truncated: false });
  });
});
