import { describe, expect, it } from 'vitest';
import { describeGraphFailure } from '../../electron/core/graph/errors';

describe('officer-facing delivery failures', () => {
  it('names a spooled attachment that cannot be read, with what to do', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/data/spool/c1/abc'"), { code: 'ENOENT', path: '/data/spool/c1/abc' });
    const described = describeGraphFailure(enoent, 'ann@corp.example');
    expect(described.code).toBe('not-found');
    expect(described.message).toContain('/data/spool/c1/abc');
    expect(described.fix).toMatch(/Retry the item/);
  });

  it('keeps stack traces out of what the officer reads', () => {
    const error = new TypeError('boom');
    const described = describeGraphFailure(error, 'ann@corp.example');
    expect(described.code).toBe('internal');
    expect(`${described.message} ${described.fix} ${described.detail}`).not.toMatch(/\bat .*\(|node:internal|\.ts:\d+/);
    expect(described.detail).toBe('boom');
  });
});
