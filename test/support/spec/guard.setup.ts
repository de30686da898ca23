import { afterAll, afterEach } from 'vitest';
import { describeViolations, takeViolations } from './violations';

/**
 * Fails the test during which an emulator recorded a contract violation (see violations.ts);
 * violations recorded in a file's last hooks fail the file.
 */
const check = () => {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(describeViolations(violations));
};
afterEach(check);
afterAll(check);
