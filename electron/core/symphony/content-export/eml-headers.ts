import type { AddressObject, ParsedMail } from 'mailparser';
import type { StreamType } from '../../model/captured';

/**
 * Headers that would carry Symphony's own ids in an exported EML. No public source documents
 * the headers of Symphony's EML export, so these names are a reasonable reading, matched loosely
 * (case, `-` and `_` ignored); without them the reader derives stable ids (docs/content-export.md).
 */
export const SYMPHONY_HEADERS = {
  messageId: ['xsymphonymessageid', 'xsymphonymsgid'],
  streamId: ['xsymphonystreamid', 'xsymphonyconversationid', 'xsymphonythreadid'],
  streamType: ['xsymphonystreamtype', 'xsymphonyconversationtype'],
  roomName: ['xsymphonyroomname', 'xsymphonystreamname'],
  senderId: ['xsymphonysenderid', 'xsymphonyuserid', 'xsymphonyfromuserid'],
  timestamp: ['xsymphonytimestamp'],
  replacing: ['xsymphonyreplacing', 'xsymphonyreplacesmessageid'],
} as const;

export type SymphonyHeader = keyof typeof SYMPHONY_HEADERS;

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

/** The first raw header line among the aliases, unfolded and trimmed. */
export function symphonyHeader(mail: ParsedMail, which: SymphonyHeader): string | undefined {
  const aliases: readonly string[] = SYMPHONY_HEADERS[which];
  for (const line of mail.headerLines) {
    if (!aliases.includes(normalise(line.key))) continue;
    const colon = line.line.indexOf(':');
    const value = line.line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    if (value) return value;
  }
  return undefined;
}

export function streamTypeOf(value: string | undefined): StreamType | undefined {
  const v = value?.trim().toUpperCase().replace(/[^A-Z]/g, '');
  if (!v) return undefined;
  if (v === 'IM' || v === 'MIM' || v === 'POST') return v;
  if (v === 'ROOM' || v === 'CHATROOM') return 'ROOM';
  return undefined;
}

export interface MailAddress {
  email: string;
  displayName: string;
}

export function addressesOf(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const visit = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address) out.push({ email: entry.address.trim(), displayName: (entry.name ?? '').trim() });
    }
  };
  for (const object of Array.isArray(value) ? value : value ? [value] : []) visit(object.value);
  return out;
}

/** Raw header lines as they appeared, for the chain-of-custody record. */
export function headerLinesOf(mail: ParsedMail): string[] {
  return mail.headerLines.map((h) => h.line);
}
