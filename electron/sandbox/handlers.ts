import { DomUtils, parseDocument } from 'htmlparser2';
import type { calls, HandlersOf, SandboxItem } from '../../shared/contract';
import { ArchiverError } from '../../shared/errors';
import type { StoredMessage } from './emulators/graph/model';
import type { SandboxWorld } from './world';

type SandboxHandlers = Pick<HandlersOf<typeof calls>, 'sandbox.state' | 'sandbox.mailbox' | 'sandbox.control'>;

/** The `sandbox.*` calls: what the emulated tenant holds, and the failure controls. */
export function sandboxHandlers(world: SandboxWorld): SandboxHandlers {
  return {
    'sandbox.state': () => world.state(),
    'sandbox.mailbox': ({ userPrincipalName }) => {
      const mailbox = [...world.tenant.directory.mailboxes.values()].find((m) => m.user.userPrincipalName.toLowerCase() === userPrincipalName.toLowerCase());
      if (!mailbox) throw new ArchiverError({ code: 'not-found', message: `The sandbox tenant has no mailbox ${userPrincipalName}.`, fix: 'Pick a mailbox from the list.' });
      const items = [...mailbox.messages.values()]
        .filter((m) => mailbox.folders.get(m.folderId)?.displayName === 'Symphony')
        .sort((a, b) => (b.receivedDateTime ?? '').localeCompare(a.receivedDateTime ?? ''))
        .slice(0, 500)
        .map(asOutlookLists);
      return { userPrincipalName: mailbox.user.userPrincipalName, items };
    },
    'sandbox.control': (control) => {
      if (control.action === 'refuseWrites') world.refuseWrites(control.userPrincipalName, control.on);
      else if (control.action === 'throttle') world.throttle(control.on);
      else if (control.action === 'dropPod') world.dropPod(control.seconds);
      else if (control.action === 'addPeople') world.addPeople(control.count);
      else world.sendMessages(control.count);
      return world.state();
    },
  };
}

/** One stored item as Outlook's message list shows it. */
function asOutlookLists(m: StoredMessage): SandboxItem {
  const f = m.fields as { subject?: string; from?: { emailAddress?: { name?: string; address?: string } }; body?: { content?: string; contentType?: string } };
  const subject = f.subject ?? '(no subject)';
  const topic = m.extended.find((p) => /^String 0x0070$/i.test(p.id))?.value ?? m.headers.find((h) => h.name.toLowerCase() === 'thread-topic')?.value ?? subject.replace(/^(re|fw|fwd):\s*/i, '');
  const from = f.from?.emailAddress;
  return {
    id: m.id,
    subject,
    from: from ? `${from.name ?? ''} <${from.address ?? ''}>`.trim() : '',
    sentDateTime: m.sentDateTime ?? null,
    receivedDateTime: m.receivedDateTime ?? null,
    isRead: m.isRead,
    isDraft: m.isDraft,
    conversationTopic: topic,
    attachments: m.attachments.map((a) => ({ name: a.name, size: a.size })),
    preview: textOf(f.body?.content ?? '', f.body?.contentType ?? 'text').slice(0, 2000),
  };
}

function textOf(content: string, type: string): string {
  if (type.toLowerCase() !== 'html') return content;
  const doc = parseDocument(content);
  for (const el of DomUtils.findAll((e) => e.name === 'script' || e.name === 'style', doc.children)) DomUtils.removeElement(el);
  return DomUtils.textContent(doc).replace(/\s+/g, ' ').trim();
}
