/**
 * The Graph emulator on its own thread, so that the importer's synchronous SQLite commits do not
 * stall the "service" as they would if both shared one event loop (they never do in real life).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GraphEmulator, type GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';

const { options, mailboxes } = workerData as { options: GraphEmulatorOptions; mailboxes: string[] };
const emulator = new GraphEmulator(options);
const baseUrl = await emulator.start();
for (const upn of mailboxes) emulator.directory.addUser({ userPrincipalName: upn });
parentPort!.postMessage({ type: 'ready', baseUrl, tenantId: emulator.tenantId, token: await emulator.mintToken() });
parentPort!.on('message', async (message: { type: string }) => {
  if (message.type === 'counters') parentPort!.postMessage({ type: 'counters', counters: emulator.counters });
  if (message.type === 'stop') {
    await emulator.stop();
    parentPort!.postMessage({ type: 'stopped' });
    parentPort!.close();
  }
});
