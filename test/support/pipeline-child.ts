/**
 * Runs one pipeline run in its own process for the crash tests:
 *   node --import tsx test/support/pipeline-child.ts <dir> <podJson> [<point>:<n>]
 * With a kill spec, the process SIGKILLs itself at the n-th time the stages pass that point.
 * Prints the run's outcome as JSON on the last line when it finishes.
 */
import { openHarness } from './pipeline-harness';
import type { FakePod } from './pipeline-stages';
import { reasonWords } from '../../shared/contract/reasons';

const [dir, podJson, killSpec] = process.argv.slice(2);
const pod = JSON.parse(podJson!) as FakePod;
const split = (killSpec ?? '').lastIndexOf(':');
const killPoint = split > 0 ? killSpec!.slice(0, split) : '';
const killAt = split > 0 ? Number(killSpec!.slice(split + 1)) : 0;
let hits = 0;

const harness = openHarness(dir!, pod, {
  hooks: {
    point(name) {
      if (name === killPoint && ++hits === killAt) process.kill(process.pid, 'SIGKILL');
    },
  },
});
const { done } = await harness.controller.start(harness.connector.id, 'cli');
const outcome = await done;
harness.close();
process.stdout.write(`${JSON.stringify({ status: outcome.status, error: outcome.error ? reasonWords(outcome.error, { detail: true }) : null, reconciliation: outcome.result?.reconciliation ?? null })}\n`);
