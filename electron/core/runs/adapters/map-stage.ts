import { ArchiverError, errorText } from '../../../../shared/errors';
import { itemParticipants } from '../../mapping/resolver';
import { ItemsWait, type MapStage } from '../stages';
import type { StageParts } from './parts';

/** Mapping over mapping/: who receives an e-mail, and the held items whose participants have a mailbox now. */
export function realMapStage({ deps, loaded }: StageParts): MapStage {
  return {
    async resolve(target, items) {
      const found = items.map((item) => {
        const message = loaded.getMessage(target.id, item.id);
        if (!message) throw new ArchiverError({ code: 'not-found', message: `Captured item ${item.id} is missing from the store.`, target: String(item.id) });
        return message;
      });
      // A transcript carries several senders; each one took part, members or not (any more).
      const participants = found.flatMap((f, i) => (i === 0 ? itemParticipants(f.conversation.members, f.message.sender) : [f.message.sender]));
      let recipients;
      try {
        recipients = await deps.mapping.resolveRecipients(target.id, participants);
      } catch (error) {
        // A lost sign-in stops the run; a cancelled run stops. Any other failure of the look-up
        // (after its retries) leaves only these items waiting for the next run.
        if (ArchiverError.is(error) && (error.code === 'sign-in-required' || error.code === 'cancelled')) throw error;
        throw new ItemsWait('lookup-failed', `the directory look-up failed: ${errorText(error)}`, { cause: error });
      }
      return {
        mailboxes: recipients.mailboxes,
        unmapped: recipients.unmapped.length,
        excluded: recipients.excluded.length,
        external: recipients.external.length,
        record: (refs) => refs.forEach((ref) => deps.mapping.recordItem(target.id, { id: ref.id, timestamp: ref.timestamp }, recipients)),
      };
    },
    async releaseHeld(target, enqueue) {
      await deps.mapping.releaseHeldItems(target.id, (held) => enqueue(held.map((h) => ({ itemId: h.itemId, mailbox: h.mailbox }))));
    },
  };
}
