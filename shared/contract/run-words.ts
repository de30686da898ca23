import { skipFixes, type Reconciliation, type RunStatus, type SkipReason } from './runs';

/**
 * The words for a run's outcome, the same in the Monitor, the status bar and the CLI: one count,
 * one meaning. Pure functions of the contract's data, so every surface says exactly the same.
 */

const statusLabels: Record<RunStatus, string> = {
  running: 'running',
  succeeded: 'succeeded',
  'completed-with-problems': 'completed with problems',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  'needs-sign-in': 'needs sign-in',
};

export function runStatusLabel(status: RunStatus): string {
  return statusLabels[status] ?? status;
}

/** good: green; problems: amber (delivered what it could, gaps named); bad: red; idle: grey. */
export function runStatusTone(status: RunStatus): 'good' | 'problems' | 'bad' | 'idle' {
  if (status === 'succeeded') return 'good';
  if (status === 'completed-with-problems' || status === 'cancelled') return 'problems';
  if (status === 'failed' || status === 'interrupted' || status === 'needs-sign-in') return 'bad';
  return 'idle';
}

const n = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

/** What is not delivered, in words, most urgent first; empty when nothing is open. */
export function runProblemWords(rec: Reconciliation): string[] {
  const d = rec.deliveries;
  const words: string[] = [];
  if (d.blocked > 0) {
    const who = rec.blockedMailboxes.map((m) => `${m.mailbox}: ${m.reason.replace(/-/g, ' ')}`).join(', ');
    words.push(`${n(d.blocked, 'delivery', 'deliveries')} blocked${who ? ` (${who})` : ''}`);
  }
  if (d.failed > 0) words.push(`${n(d.failed, 'delivery', 'deliveries')} failed`);
  if (d.partial > 0) words.push(`${n(d.partial, 'delivery', 'deliveries')} partially delivered (attachment missing)`);
  if (d.held > 0) words.push(`${n(d.held, 'delivery', 'deliveries')} held for participants without a mailbox`);
  else if (rec.held.count > 0) words.push(`${n(rec.held.count, 'item')} held: nobody in them has a mailbox yet`);
  if (d.open > 0) words.push(`${n(d.open, 'delivery', 'deliveries')} not finished`);
  if (rec.stoppedRetrying.count > 0) words.push(`${n(rec.stoppedRetrying.count, 'item')} stopped retrying, waiting for you`);
  const tooLarge = problemSkips(rec)['too-large'] ?? 0;
  if (tooLarge > 0) words.push(`${n(tooLarge, 'item')} too large for Exchange Online, skipped (${skipFixes['too-large']})`);
  return words;
}

/** Skipped items nobody chose to skip (`skipFixes`), by reason: problems of the run, not decisions. */
export function problemSkips(rec: Reconciliation): Partial<Record<SkipReason, number>> {
  const found: Partial<Record<SkipReason, number>> = {};
  for (const reason of Object.keys(skipFixes) as SkipReason[]) {
    const count = rec.skipped.byReason[reason] ?? 0;
    if (count > 0) found[reason] = count;
  }
  return found;
}

/** "120 items: 100 delivered, 5 blocked, …; 360 deliveries" — the counts behind the status. */
export function runCountWords(rec: Reconciliation): string {
  const parts = [`${rec.delivered.count.toLocaleString('en')} delivered`];
  if (rec.blocked.count) parts.push(`${rec.blocked.count.toLocaleString('en')} blocked`);
  if (rec.failed.count) parts.push(`${rec.failed.count.toLocaleString('en')} failed`);
  if (rec.held.count) parts.push(`${rec.held.count.toLocaleString('en')} held`);
  if (rec.skipped.count) parts.push(`${rec.skipped.count.toLocaleString('en')} skipped`);
  if (rec.unaccounted.count) parts.push(`${rec.unaccounted.count.toLocaleString('en')} unaccounted`);
  const d = rec.deliveries;
  const deliveries = `${n(d.planned, 'delivery', 'deliveries')}: ${(d.delivered + d.alreadyThere).toLocaleString('en')} delivered${d.alreadyThere ? ` (${d.alreadyThere.toLocaleString('en')} already there)` : ''}`;
  return `${n(rec.captured.count, 'item')}: ${parts.join(', ')}; ${deliveries}`;
}

/** What is wrong in words, or the counts when nothing is. */
export function runOutcomeDetail(rec: Reconciliation): string {
  const problems = runProblemWords(rec);
  return problems.length ? problems.join('; ') : runCountWords(rec);
}

/** One line: the status, then `runOutcomeDetail`. */
export function runOutcomeWords(status: RunStatus, rec: Reconciliation | null): string {
  const label = runStatusLabel(status);
  return rec ? `${label}: ${runOutcomeDetail(rec)}` : label;
}
