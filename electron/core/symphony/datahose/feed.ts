import { ArchiverError } from '../../../../shared/errors';
import { sha256Hex } from '../json';
import type { DatahoseReadBody, SymphonyClient } from '../client';
import { SymphonyHttpError } from '../http';
import { DATAHOSE_EVENT_TYPES, eventListSchema } from './events';

/** The spec's limit for V5EventsReadBody.tag. */
const TAG_MAX = 80;

/**
 * The connector's feed tag: stable (the same feed on every run and after a restart), unique to
 * the connector (two connectors, or two installations, never split one feed's events between
 * them) and within the spec's 80 characters.
 */
export function datahoseTag(connectorId: string): string {
  const tag = `symphony-archiver-${connectorId.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return tag.length <= TAG_MAX ? tag : `symphony-archiver-${sha256Hex(connectorId).slice(0, 40)}`;
}

export function readBody(tag: string, ackId: string): DatahoseReadBody {
  return { type: 'datahose', tag, eventTypes: DATAHOSE_EVENT_TYPES, ackId, updatePresence: false };
}

/** One read: the batch and the ackId to send next. Symphony's refusals become officer-readable errors. */
export async function readBatch(client: SymphonyClient, body: DatahoseReadBody, timeoutMs?: number): Promise<{ events: unknown[]; ackId: string | null }> {
  let raw: unknown;
  try {
    raw = await client.readEvents(body, timeoutMs);
  } catch (error) {
    throw datahoseError(error);
  }
  const list = eventListSchema.safeParse(raw ?? {});
  if (!list.success) {
    throw new ArchiverError({
      code: 'internal',
      message: 'Symphony answered the Datahose read with something the archiver does not understand.',
      fix: 'Check that the agent URL points at the agent; report the detail if it does.',
      detail: list.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  return { events: list.data.events, ackId: list.data.ackId ?? null };
}

/** Why a Datahose read was refused, in words, with what to do. */
export function datahoseError(error: unknown): unknown {
  if (!(error instanceof SymphonyHttpError)) return error;
  const server = error.serverMessage ? ` Symphony said: "${error.serverMessage}".` : '';
  if (error.status === 403) {
    return new ArchiverError(
      {
        code: 'permission-denied',
        message: `Datahose is not enabled for this pod or service account (HTTP 403).${server}`,
        fix: 'Datahose is a paid add-on: ask Symphony to enable it for the pod and to give the service account its Datahose entitlements (the agent\'s Content Export service must be set up too), or choose the member-stream or Content Export source for this connector.',
        target: 'settings.symphony.source',
        detail: error.message,
      },
      { cause: error },
    );
  }
  if (error.status === 404 || error.status === 405) {
    return new ArchiverError(
      {
        code: 'not-found',
        message: `The agent does not offer Datahose (HTTP ${error.status} on /agent/v5/events/read).${server}`,
        fix: 'Datahose needs Agent 22.5.1 or later (event filters 22.7): upgrade the agent, check the agent URL, or choose another source.',
        target: 'settings.symphony.agentUrl',
        detail: error.message,
      },
      { cause: error },
    );
  }
  if (error.status === 400) {
    return new ArchiverError(
      {
        code: 'invalid-input',
        message: `The agent refused the Datahose read (HTTP 400).${server}`,
        fix: 'Check that the agent is recent enough for Datahose event filters (22.7 or later); report the detail if it is.',
        target: 'settings.symphony.agentUrl',
        detail: error.message,
      },
      { cause: error },
    );
  }
  return error;
}
