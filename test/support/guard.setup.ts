import { afterAll, afterEach } from 'vitest';
import { assertNoViolations } from '../../electron/sandbox/spec/violations';

/**
 * Fails the test during which an emulator recorded a contract violation (see violations.ts);
 * violations recorded in a file's last hooks fail the file.
 */
afterEach(assertNoViolations);
afterAll(assertNoViolations);
