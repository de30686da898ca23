/**
 * Both emulators in a process of their own, for the day benchmark: the Symphony pod (with the
 * latency of a network and a busy agent) and the Microsoft 365 tenant (300 ms per create, every
 * documented limit on). Their CPU is then not the archiver's. The parent sends the service
 * account's public key, this process answers with the URLs, the tenant and a token.
 */
import { createPublicKey } from 'node:crypto';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import type { SymphonyEmulatorOptions } from '../../electron/sandbox/emulators/symphony/server';
import { addPodMailboxes } from './world';

interface Start {
  type: 'start';
  symphony: SymphonyEmulatorOptions;
  publicKey: string;
  graphLatencyMs: number;
}

process.on('message', async (message: Start | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0);
  const symphony = await SymphonyEmulator.start(message.symphony);
  symphony.registerKey(createPublicKey(message.publicKey));
  const graph = new GraphEmulator({ latencyMs: message.graphLatencyMs });
  const graphUrl = await graph.start();
  const mailboxes = addPodMailboxes(graph, symphony, { serviceAccount: false }).size;
  // External counterparties have no mailbox in the bank's tenant: a bank maps them to its
  // compliance mailbox (the fallback), as the setup guide tells the officer to.
  const fallbackMailbox = 'compliance-archive@bank.example';
  graph.directory.addUser({ userPrincipalName: fallbackMailbox, mail: fallbackMailbox, displayName: 'Compliance archive' });
  let messages = 0;
  for (const stream of symphony.pod.streams.values()) messages += stream.messages.length;
  process.send!({ type: 'ready', symphonyUrl: symphony.url, graphUrl, tenantId: graph.tenantId, token: await graph.mintToken(), mailboxes: mailboxes + 1, messages, fallbackMailbox, serviceAccountId: String(symphony.pod.serviceAccount.id) });
});
