/**
 * One benchmark run in a fresh process (bench/pipeline.bench.ts):
 *   node --import tsx test/support/pipeline-bench-child.ts <dir> <messages>
 * Prints {seconds, maxRssKb, status, captured, delivered} as JSON.
 */
import { reasonWords } from '../../shared/contract/reasons';
import { runOutcomeWords } from '../../shared/contract/run-words';
import { openHarness } from './pipeline-harness';

const [dir, messagesText] = process.argv.slice(2);
const messages = Number(messagesText);
const started = performance.now();
const harness = openHarness(dir!, { messages, streams: 200, convertFailEvery: 0, tooLargeEvery: 0 }, { batchImport: true, capturePage: 2000, pipeline: { pageSize: 1000 } });
const { done } = await harness.controller.start(harness.connector.id, 'cli');
const outcome = await done;
harness.close();
const rec = outcome.result?.reconciliation;
process.stdout.write(
  `${JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    status: outcome.status,
    error: outcome.error ? reasonWords(outcome.error, { detail: true }) : runOutcomeWords(outcome.status, rec ?? null),
    captured: rec?.captured.count ?? 0,
    delivered: rec?.delivered.count ?? 0,
    balanced: rec?.balanced ?? false,
  })}\n`,
);
