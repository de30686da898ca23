import { defineConfig } from 'vitest/config';

// Integration tests start real HTTP emulators, SQLite files and child processes, so
// they get generous timeouts; the machines have two cores, so files run two at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every emulator request and answer is held to the published API descriptions; a violation
    // fails the test that caused it (electron/sandbox/spec/).
    setupFiles: ['test/support/guard.setup.ts'],
    // A timeout is only a net against a hang, never a speed claim: tests wait for state, and honest
    // work (a kill test's 20+ child processes) takes minutes on a two-core machine under load.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // Browser tests poll the page; a loaded two-core machine needs longer than vitest's 1 s default.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    pool: 'forks',
    maxWorkers: 2,
    // The JSON report lets .ci/run print one closing line of counts.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
