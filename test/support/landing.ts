import { messageArchiveKey } from '../../electron/core/convert/ids';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import type { RealWorld } from './world-recipes';

/**
 * What must land, from the emulators' own models (not from the pipeline): per archive key, the
 * mailboxes of the conversation's current members and the sender, those with a mailbox.
 */
export function expectedPairs(world: RealWorld): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const stream of world.symphony.pod.streams.values()) {
    const members = [...stream.members].filter(([, m]) => !m.left).map(([id]) => id);
    for (const message of stream.messages) {
      const people = new Set([...members, message.sender]);
      const boxes = [...people]
        .map((id) => world.symphony.pod.users.get(id)!)
        .filter((u) => !u.external)
        .map((u) => world.tenant.get(u.email.toLowerCase()))
        .filter((b): b is string => !!b);
      if (boxes.length > 0) expected.set(messageArchiveKey(world.connector.id, message.id), [...new Set(boxes)].sort());
    }
  }
  return expected;
}

/** "archiveKey -> mailbox" → how many copies the Graph emulator holds (every mailbox, every state). */
export function landedPairs(world: RealWorld): Map<string, number> {
  const landed = new Map<string, number>();
  for (const { user, message } of world.graphEmulator.directory.allMessages()) {
    const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
    const pair = `${key} -> ${user.userPrincipalName}`;
    landed.set(pair, (landed.get(pair) ?? 0) + 1);
  }
  return landed;
}

/** Differences between what landed and what should have (only the mailboxes `only` keeps, when given). */
export function landingProblems(world: RealWorld, only?: (mailbox: string) => boolean): string[] {
  const landed = landedPairs(world);
  const problems: string[] = [];
  for (const [key, boxes] of expectedPairs(world)) {
    for (const box of boxes.filter((b) => !only || only(b))) {
      const n = landed.get(`${key} -> ${box}`) ?? 0;
      if (n !== 1) problems.push(`${key} -> ${box} landed ${n} times`);
      landed.delete(`${key} -> ${box}`);
    }
  }
  for (const pair of landed.keys()) if (!only || only(pair.split(' -> ')[1]!)) problems.push(`unexpected ${pair}`);
  return problems;
}
