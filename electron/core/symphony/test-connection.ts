import type { ConnectionStep, ConnectionStepName, ConnectionTest } from '../../../shared/contract/capture';
import type { SymphonySettings } from '../../../shared/contract/capture';
import { ArchiverError } from '../../../shared/errors';
import { systemClock, type Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { SymphonyClient } from './client';
import { probeDatahose, type DatahoseProbeTarget } from './datahose/probe';
import { describeFailure } from './errors';
import { SymphonyHttpError } from './http';
import type { SessionInfo } from './schemas';

/** The steps of a Symphony API login and read (Content Export tests its location instead: content-export/source.ts). */
type SymphonyStepName = Exclude<ConnectionStepName, 'content-export'>;

const LABELS: Record<SymphonyStepName, string> = {
  settings: 'Check the connection settings',
  key: 'Read the private key',
  'pod-login': 'Log in to the pod',
  'key-manager': 'Log in to the key manager',
  identity: 'Read the service account\'s identity',
  streams: 'List the pod\'s conversations (admin)',
  agent: 'Read messages through the agent',
  datahose: 'Read the pod\'s events through Datahose',
};

/**
 * Walks the connection step by step and stops at the first failure, saying which step failed
 * and why; the remaining steps are reported as skipped. No retries: the officer is waiting.
 */
export async function testConnection(
  settings: SymphonySettings,
  options: { clock?: Clock; logger: Logger; timeoutMs?: number; /** The connector's feed, when its source is Datahose (the Datahose source passes it): adds the `datahose` step. */ datahose?: DatahoseProbeTarget },
): Promise<ConnectionTest> {
  const clock = options.clock ?? systemClock;
  const steps: ConnectionStep[] = [];
  const order = (Object.keys(LABELS) as SymphonyStepName[]).filter((s) => s !== 'datahose' || options.datahose !== undefined);
  let client: SymphonyClient | undefined;
  let identity: SessionInfo | undefined;
  let failed = false;

  const run = async (step: SymphonyStepName, fn: () => Promise<string>) => {
    if (failed) return;
    const started = clock.now();
    try {
      const message = await fn();
      steps.push({ step, label: LABELS[step], status: 'ok', message, durationMs: clock.now() - started });
    } catch (error) {
      failed = true;
      const value = describeFailure(error, step);
      steps.push({ step, label: LABELS[step], status: 'failed', message: value.message, error: value, durationMs: clock.now() - started });
    }
  };

  try {
    await run('settings', async () => {
      if (!settings.privateKeyPath) throw new ArchiverError({ code: 'invalid-input', message: 'No private key file is set.', fix: 'Choose the service account\'s PEM private key.', target: 'settings.symphony.privateKeyPath' });
      client = new SymphonyClient(settings, { clock, logger: options.logger, timeoutMs: options.timeoutMs ?? 15_000, retry: { attempts: 1 } });
      return `Pod ${settings.podUrl}, agent ${settings.agentUrl || settings.podUrl}, key manager ${settings.keyManagerUrl || settings.podUrl}${settings.proxyUrl ? `, through proxy ${settings.proxyUrl}` : ''}.`;
    });
    await run('key', async () => {
      const key = await client!.auth.privateKey();
      return `RSA key of ${key.asymmetricKeyDetails?.modulusLength ?? '?'} bits read from ${settings.privateKeyPath}.`;
    });
    await run('pod-login', async () => {
      await client!.auth.sessionToken();
      return `The pod accepted the login of "${settings.username}".`;
    });
    await run('key-manager', async () => {
      await client!.auth.keyManagerToken();
      return 'The key manager accepted the login.';
    });
    await run('identity', async () => {
      identity = await client!.sessionInfo();
      return `Logged in as ${identity.displayName || identity.username} (user id ${identity.id}${identity.company ? `, ${identity.company}` : ''}).`;
    });
    let firstStream: string | undefined;
    await run('streams', async () => {
      const listed = await readStreams(client!, settings);
      firstStream = listed.firstStream;
      return listed.message;
    });
    await run('agent', () => probeAgent(client!, firstStream));
    const feed = options.datahose;
    if (feed) {
      // Only the connector's own feed proves anything; a read is harmless because it is never acknowledged.
      await run('datahose', () => probeDatahose(client!, feed, options.timeoutMs ?? 15_000));
    }
  } finally {
    await client?.close();
  }
  for (const step of order) {
    if (!steps.some((s) => s.step === step)) steps.push({ step, label: LABELS[step], status: 'skipped', message: 'Not tried: an earlier step failed.', durationMs: 0 });
  }
  const result: ConnectionTest = { ok: !failed, steps };
  if (identity) {
    result.identity = { userId: identity.id, username: identity.username, displayName: identity.displayName, email: identity.emailAddress, company: identity.company };
  }
  return result;
}

/** The `streams` step: the conversation list can be read (a 403 says which role is missing). */
async function readStreams(client: SymphonyClient, settings: SymphonySettings): Promise<{ message: string; firstStream: string | undefined }> {
  try {
    const page = await client.listStreams(0, 1, settings.streamTypes);
    const message = page.count !== null ? `The pod has ${page.count} conversations of the selected types.` : 'The conversation list can be read.';
    return { message, firstStream: page.streams[0]?.id };
  } catch (error) {
    if (error instanceof SymphonyHttpError && error.status === 403) {
      throw new ArchiverError({
        code: 'permission-denied',
        message: 'The service account may not list the pod\'s conversations (HTTP 403).',
        fix: 'Give the service account the administrator role that allows listing streams (User Provisioning or Super Administrator).',
        detail: error.message,
      });
    }
    throw error;
  }
}

/** The `agent` step: one message of the first conversation is read through the agent. */
async function probeAgent(client: SymphonyClient, firstStream: string | undefined): Promise<string> {
  if (!firstStream) return 'No conversation to read yet; the agent will be used at the first capture.';
  try {
    const page = await client.messages(firstStream, 0, 0, 1);
    return `The agent answered (${page.length === 0 ? 'no message' : 'a message'} in the first conversation).`;
  } catch (error) {
    // A refusal still proves the agent and both tokens work; membership is a capture-time matter.
    if (error instanceof SymphonyHttpError && error.status === 403) {
      return 'The agent answered, but refused to read the first conversation (HTTP 403): the service account reads only the conversations it is a member of; the others will be reported at capture.';
    }
    throw error;
  }
}
