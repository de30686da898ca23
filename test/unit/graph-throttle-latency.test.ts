import { afterEach, describe, expect, it, vi } from 'vitest';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';

/**
 * The latency that teaches the adaptive cap is Graph's: measured from the moment the request
 * leaves (`sent()`), not from the moment the throttle let it go, since the importer commits
 * `sending` in between and a busy disk makes that commit slow. Time is simulated through
 * performance.now, so the test does not depend on the machine's load.
 */
describe('adaptive cap latency', () => {
  afterEach(() => vi.restoreAllMocks());

  async function drive(wrapped: boolean): Promise<number> {
    let now = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const throttle = new MailboxThrottle({ ...outlookLimits, globalConcurrency: 64, maxGlobalConcurrency: 4_096 });
    // One request at a time per mailbox, many mailboxes: 20 fast ones, then 40 whose commit before
    // sending takes a second while Graph still answers in 10 ms.
    for (let i = 0; i < 60; i++) {
      const commitMs = i < 20 ? 0 : 1_000;
      await throttle.run(`m${i}@x.example`, 0, async (sent) => {
        now += commitMs;
        if (wrapped) sent();
        now += 10;
      });
    }
    return throttle.globalLimit;
  }

  it('does not shrink the cap for time spent before the request left', async () => {
    expect(await drive(true)).toBeGreaterThanOrEqual(64);
  });

  it('would have shrunk it had that time been counted (the same run without sent())', async () => {
    expect(await drive(false)).toBeLessThan(64);
  });
});
