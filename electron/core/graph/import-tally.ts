import type { ImportProgress } from './import-types';

/**
 * The counts one import reports as it goes (delivered, failed, blocked, still pending). The one
 * owner of those numbers: every unit that ends or sweeps a delivery tells the tally, and only the
 * tally hands copies to `onProgress` and to the summary.
 */
export class ImportTally {
  private readonly progress: ImportProgress;

  constructor(
    connectorId: string,
    private readonly onProgress?: (progress: ImportProgress) => void,
  ) {
    this.progress = { connectorId, delivered: 0, failed: 0, blocked: 0, pending: 0 };
  }

  /** Deliveries about to be worked on (the open ones at the start, those a settle reopened). */
  opened(count: number): void {
    this.progress.pending += count;
  }

  delivered(): void {
    this.progress.delivered++;
  }

  failed(): void {
    this.progress.failed++;
  }

  blocked(count: number): void {
    this.progress.blocked += count;
  }

  /** A delivery the feeder started has ended, whichever way. */
  ended(): void {
    this.progress.pending--;
  }

  /** Open deliveries of a mailbox just blocked that no running delivery accounts for. */
  swept(count: number): void {
    this.progress.pending = Math.max(0, this.progress.pending - count);
  }

  report(): void {
    this.onProgress?.(this.snapshot());
  }

  snapshot(): ImportProgress {
    return { ...this.progress };
  }
}
