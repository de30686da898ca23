/**
 * The Graph emulator in a process of its own, for measurements of the archiver's own memory
 * (bench/request-memory.ts): the parent sends the options and the mailboxes, this process answers
 * with the URL, the tenant and a token.
 */
import { GraphEmulator, type GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';

process.on('message', async (message: { type: 'start'; options: GraphEmulatorOptions; mailboxes: string[] }) => {
  const emulator = new GraphEmulator(message.options);
  const url = await emulator.start();
  for (const upn of message.mailboxes) emulator.directory.addUser({ userPrincipalName: upn });
  process.send!({ type: 'ready', url, tenantId: emulator.tenantId, token: await emulator.mintToken() });
});
