import type { SymphonyClient } from '../client';
import { SymphonyNetworkError } from '../http';
import { readBatch, readBody } from './feed';

/** What the probe needs of the connector's feed: its tag, and the ackId a capture would send next. */
export interface DatahoseProbeTarget {
  tag: string;
  ackId: string;
}

/**
 * Checks that Datahose answers for this pod and account, for "test connection". It reads with the
 * connector's own tag and the ackId the next capture would send anyway (which only acknowledges a
 * batch already stored), and it never stores the ackId it gets back: the batch it was handed is
 * therefore never acknowledged, and Symphony hands it out again (after Datafeed 2's visibility
 * timeout, 30 s), so the probe takes nothing from the archive. A throwaway tag would instead
 * create a second feed on the pod. A probe that times out was held open by the long poll, which
 * proves the read was accepted.
 */
export async function probeDatahose(client: SymphonyClient, target: DatahoseProbeTarget, timeoutMs: number): Promise<string> {
  try {
    const batch = await readBatch(client, readBody(target.tag, target.ackId), timeoutMs);
    const waiting = batch.events.length === 0 ? 'no events are waiting' : `${batch.events.length} events are waiting for the next capture`;
    return `Datahose answered for the feed "${target.tag}": ${waiting}.${target.ackId ? '' : ' The feed keeps events from now on.'}`;
  } catch (error) {
    if (error instanceof SymphonyNetworkError && error.timedOut) {
      return `Datahose accepted the read for the feed "${target.tag}" and is waiting for events (long poll).`;
    }
    throw error;
  }
}
