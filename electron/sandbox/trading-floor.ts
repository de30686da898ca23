import type { PodState } from './emulators/symphony';

/**
 * The sandbox's pod: a generated history (people, IMs, group chats and rooms over the past
 * months, edits, attachments, external counterparties) plus the named things an officer expects
 * to see on a trading floor: desks, a bot, a counterparty chat, attachments of every size up to
 * 100 MB, a chime, an Elements form and a hostile message.
 */
export type SandboxSize = 'full' | 'small';

export interface FloorOptions {
  seed: string;
  internalUsers: number;
  externalUsers: number;
  conversations: number;
  messages: number;
  attachments: number;
  maxAttachmentBytes: number;
}

export function floorOptions(size: SandboxSize): FloorOptions {
  return size === 'full'
    ? { seed: 'trading-floor', internalUsers: 24, externalUsers: 6, conversations: 30, messages: 600, attachments: 30, maxAttachmentBytes: 2 * 1024 * 1024 }
    : { seed: 'trading-floor', internalUsers: 8, externalUsers: 2, conversations: 8, messages: 80, attachments: 6, maxAttachmentBytes: 64 * 1024 };
}

const MB = 1024 * 1024;
const pml = (inner: string) => `<div data-format="PresentationML" data-version="2.0">${inner}</div>`;

/** Adds the desks, the bot and the special messages to a generated pod. */
export function furnish(pod: PodState, size: SandboxSize): void {
  const people = [...pod.users.values()].filter((u) => !u.external && u.accountType === 'NORMAL').sort((a, b) => (a.id < b.id ? -1 : 1));
  const externals = [...pod.users.values()].filter((u) => u.external);
  const bot = pod.addUser({ username: 'marketdata-bot', firstName: '', lastName: '', displayName: 'Market Data Bot', company: 'Acme Capital', companyId: 130, external: false, accountType: 'SYSTEM', roles: ['INDIVIDUAL'] });
  const day = 24 * 3600_000;
  const start = Date.now() - 3 * day;
  const ids = (n: number, offset = 0) => people.slice(offset, offset + n).map((p) => p.id);

  const rates = pod.addStream({ type: 'ROOM', name: 'Rates Desk', members: [...ids(Math.min(6, people.length)), bot.id], created: start });
  const fx = pod.addStream({ type: 'ROOM', name: 'FX Options', members: ids(Math.min(4, people.length), 2), created: start });
  const counterparty = externals[0] ? pod.addStream({ type: 'MIM', members: [people[0]!.id, people[1]!.id, externals[0].id], created: start, external: true }) : undefined;

  let t = start + 3600_000;
  const at = () => (t += 7 * 60_000);
  pod.addMessage(rates.id, { sender: people[0]!.id, timestamp: at(), message: pml('<p>Morning all. 10y at 4.12, curve flatter overnight.</p>') });
  pod.addMessage(rates.id, { sender: bot.id, timestamp: at(), message: pml('<p><b>UST 10Y</b> 4.118 ▼0.6bp · <b>2s10s</b> −31.2bp</p>') });
  const quote = pod.addMessage(rates.id, { sender: people[1]!.id, timestamp: at(), message: pml('<p>Can someone send the auction calendar?</p>') });
  pod.addMessage(rates.id, { timestamp: at(), edits: quote.id, message: pml('<p>Can someone send the auction calendar for next week?</p>') });
  // Attachments of every size: a note, a spreadsheet, a deck, a model, and a call recording near
  // Exchange's limit in a message of its own. Exchange's 150 MB counts the encoded message, in which
  // base64 makes a file a third larger (docs/decisions/message-size.md): 100 MB is about the largest
  // file that still lands; a larger one would be skipped as too large.
  const sizes = size === 'full' ? [900, 48 * 1024, 1 * MB, 5 * MB, 30 * MB] : [900, 48 * 1024, 512 * 1024];
  pod.addMessage(rates.id, { sender: people[2]!.id, timestamp: at(), message: pml('<p>Calendar, models and the deck attached.</p>'), attachmentSizes: sizes });
  if (size === 'full') pod.addMessage(rates.id, { sender: people[2]!.id, timestamp: at(), message: pml("<p>Recording of this morning's call.</p>"), attachmentSizes: [100 * MB] });
  pod.addMessage(rates.id, { sender: people[0]!.id, timestamp: at(), message: pml('<p><audio src="https://sandbox.invalid/chime.mp3" class="chime"></audio></p>') });
  pod.addMessage(fx.id, {
    sender: people[2]!.id,
    timestamp: at(),
    message: pml(
      '<form id="rfq"><h3>RFQ: EUR/USD 1M 25d RR</h3><text-field name="notional" placeholder="Notional">50m</text-field>' +
        '<select name="side"><option value="buy" selected="true">Buy</option><option value="sell">Sell</option></select>' +
        '<textarea name="comment">Indicative only, please</textarea><button name="send" type="action">Send RFQ</button></form>',
    ),
  });
  // A hostile message: the archive must keep it as text and never run it.
  pod.addMessage(fx.id, { sender: people[3]!.id, timestamp: at(), message: pml('<p>Look: <a href="javascript:alert(1)">report</a> <img src="x" onerror="alert(2)"/> &lt;script&gt;alert(3)&lt;/script&gt;</p>') });
  if (counterparty) {
    pod.addMessage(counterparty.id, { sender: externals[0]!.id, timestamp: at(), message: pml('<p>Hi both, can you confirm the settlement instructions for Thursday?</p>') });
    pod.addMessage(counterparty.id, { sender: people[0]!.id, timestamp: at(), message: pml('<p>Confirmed, same SSIs as last quarter.</p>') });
  }
}

/** New traffic, one message per conversation in turn (busiest first), as people talk during the day. */
export function sendMessages(pod: PodState, count: number): void {
  const streams = [...pod.streams.values()].filter((s) => s.active).sort((a, b) => b.messages.length - a.messages.length);
  for (let i = 0; i < count && streams.length; i++) {
    const stream = streams[i % streams.length]!;
    pod.addMessage(stream.id, { message: pml(`<p>Update ${i + 1}: levels unchanged, watching the close.</p>`) });
  }
}

/**
 * New people on the Rates Desk, as a bank hires them: a Symphony account each, added to the room,
 * and a first message from each, so the next run has items for them (their mailboxes are the
 * world's to add). Returns their e-mail addresses.
 */
export function addPeople(pod: PodState, count: number): string[] {
  const desk = [...pod.streams.values()].find((s) => s.name === 'Rates Desk');
  const added: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = pod.users.size + 1;
    const user = pod.addUser({ username: `newhire${n}`, firstName: 'New', lastName: `Hire ${n}`, displayName: `New Hire ${n}`, company: 'Acme Capital', companyId: 130, external: false, accountType: 'NORMAL', roles: ['INDIVIDUAL'] });
    if (desk) {
      pod.setMember(desk.id, user.id, true);
      pod.addMessage(desk.id, { sender: user.id, message: pml(`<p>Hi all, ${user.displayName} here: I joined the desk today.</p>`) });
    }
    added.push(user.email);
  }
  return added;
}
