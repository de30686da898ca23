import { GraphError } from './graph-error';
import { checkBody } from './schema';

export { GraphError } from './graph-error';

/**
 * What Graph refuses in a message create, and how it derives the item's state from the request.
 * First the body against Microsoft's v1.0 service description (schema.ts, derived from the CSDL
 * by csdl-schema.ts): types, enums, properties that do not exist on v1.0 (such as `mentions`,
 * beta only). Then the documented rules the description cannot express, each citing its source
 * (docs/import.md lists them; decisions: docs/decisions/graph-import.md (a)).
 */

/**
 * Defined on the type but computed by the store: accepted and silently ignored, as Graph does
 * (message resource type: "read-only" properties; isDraft is derived from PR_MESSAGE_FLAGS, see
 * docs/decisions/graph-import.md (a)).
 */
const readOnly = new Set([
  'id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId', 'conversationId', 'conversationIndex',
  'sentDateTime', 'receivedDateTime', 'hasAttachments', 'bodyPreview', 'webLink', 'isDraft',
]);

const extendedTypes = ['Binary', 'Boolean', 'Currency', 'CLSID', 'Double', 'Float', 'Integer', 'Long', 'Short', 'String', 'SystemTime', 'ApplicationTime', 'Object', 'Null', 'Error'];
// Extended properties overview (https://learn.microsoft.com/graph/api/resources/extended-properties-overview):
// "{type} {proptag}", "{type} {guid} Name {name}", "{type} {guid} Id {id}". A property tag is the
// 16-bit identifier or the whole 32-bit tag with its type in the low 16 bits
// (https://learn.microsoft.com/office/client-developer/outlook/mapi/property-identifiers-and-types).
const extendedIdPattern = new RegExp(`^(${extendedTypes.join('|')}) (0x[0-9A-Fa-f]{1,4}|0x[0-9A-Fa-f]{8}|\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\} (Name \\S.*|Id 0x[0-9A-Fa-f]{1,8}))$`, 'i');

export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface InlineAttachment {
  name: string;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  bytes: Buffer;
}

export interface ValidatedMessage {
  fields: Record<string, unknown>;
  extended: ExtendedProperty[];
  headers: Array<{ name: string; value: string }>;
  attachments: InlineAttachment[];
  isDraft: boolean;
  isRead: boolean;
  sentDateTime?: string;
  receivedDateTime?: string;
}

export const MAX_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024;

export function validateMessage(body: unknown): ValidatedMessage {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new GraphError(400, 'RequestBodyRead', 'The request body must be a JSON object.');
  const refused = checkBody('message', body);
  if (refused) throw refused;
  const input = body as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('@odata.') || readOnly.has(key)) continue;
    fields[key] = value;
  }
  const extended = validateExtended(fields.singleValueExtendedProperties);
  const headers = validateHeaders(fields.internetMessageHeaders);
  const attachments = validateInlineAttachments(fields.attachments);
  const flags = extended.find((p) => sameTag(p.id, 'Integer', 0x0e07));
  const flagValue = flags ? Number(flags.value) : undefined;
  const isDraft = flagValue === undefined ? true : (flagValue & 0x8) !== 0;
  const isRead = typeof fields.isRead === 'boolean' ? fields.isRead : flagValue !== undefined ? (flagValue & 0x1) !== 0 : true;
  const sent = extended.find((p) => sameTag(p.id, 'SystemTime', 0x0039));
  const received = extended.find((p) => sameTag(p.id, 'SystemTime', 0x0e06));
  return {
    fields,
    extended,
    headers,
    attachments,
    isDraft,
    isRead,
    sentDateTime: sent ? new Date(sent.value).toISOString() : undefined,
    receivedDateTime: received ? new Date(received.value).toISOString() : undefined,
  };
}

/** Whether an id names the MAPI property `tag` (16-bit id) of `type`, in either proptag form. */
export function sameTag(id: string, type: string, tag: number): boolean {
  const m = /^(\w+) 0x([0-9a-fA-F]{1,4}|[0-9a-fA-F]{8})$/.exec(id.trim());
  if (!m || m[1]!.toLowerCase() !== type.toLowerCase()) return false;
  const value = parseInt(m[2]!, 16);
  return (m[2]!.length === 8 ? value >>> 16 : value) === tag;
}

function validateExtended(value: unknown): ExtendedProperty[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new GraphError(400, 'RequestBodyRead', "'singleValueExtendedProperties' must be a collection.");
  return value.map((entry) => {
    if (!entry || typeof entry !== 'object') throw new GraphError(400, 'RequestBodyRead', 'An extended property must be an object.');
    const { id, value: v, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest).filter((k) => !k.startsWith('@odata.'));
    if (extra.length) throw new GraphError(400, 'RequestBodyRead', `The property '${extra[0]}' does not exist on type 'microsoft.graph.singleValueLegacyExtendedProperty'.`);
    if (typeof id !== 'string' || !extendedIdPattern.test(id.trim())) throw new GraphError(400, 'ErrorInvalidProperty', `The extended property id '${String(id)}' is not valid.`);
    if (typeof v !== 'string') throw new GraphError(400, 'ErrorInvalidExtendedPropertyValue', `The value of extended property '${id}' must be a string.`);
    const type = id.trim().split(' ')[0]!.toLowerCase();
    if ((type === 'integer' || type === 'long' || type === 'short') && !/^-?\d+$/.test(v)) throw new GraphError(400, 'ErrorInvalidExtendedPropertyValue', `'${v}' is not a valid ${type} value for '${id}'.`);
    if (type === 'systemtime' && Number.isNaN(Date.parse(v))) throw new GraphError(400, 'ErrorInvalidExtendedPropertyValue', `'${v}' is not a valid SystemTime value for '${id}'.`);
    if (type === 'boolean' && !/^(true|false)$/i.test(v)) throw new GraphError(400, 'ErrorInvalidExtendedPropertyValue', `'${v}' is not a valid Boolean value for '${id}'.`);
    return { id: id.trim(), value: v };
  });
}

function validateHeaders(value: unknown): Array<{ name: string; value: string }> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new GraphError(400, 'RequestBodyRead', "'internetMessageHeaders' must be a collection.");
  if (value.length === 0 || value.length > 5) {
    throw new GraphError(400, 'InvalidInternetMessageHeaderCollection', 'Maximum number of headers in one message should be less than or equal to 5.');
  }
  let total = 0;
  return value.map((entry) => {
    const { name, value: v } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof v !== 'string') throw new GraphError(400, 'RequestBodyRead', 'An internet message header needs a name and a value.');
    if (!/^x-/i.test(name)) throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${name}' should start with 'x-' or 'X-'.`);
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${name}' contains invalid characters.`);
    if (/[\r\n]/.test(v)) throw new GraphError(400, 'InvalidInternetMessageHeader', `The value of internet message header '${name}' contains a line break.`);
    total += name.length + v.length + 4;
    if (total > 256 * 1024) throw new GraphError(400, 'InvalidInternetMessageHeaderCollection', 'The internet message headers exceed the maximum header size.');
    return { name, value: v };
  });
}

function validateInlineAttachments(value: unknown): InlineAttachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new GraphError(400, 'RequestBodyRead', "'attachments' must be a collection.");
  return value.map(validateFileAttachment);
}

/** A POST to a message's attachments: the description's attachment types, then the documented limits. */
export function validateAttachmentPost(body: unknown): InlineAttachment {
  const refused = checkBody('attachment', body);
  if (refused) throw refused;
  return validateFileAttachment(body);
}

/** The body of createUploadSession (its AttachmentItem parameter) against the description. */
export function validateUploadSessionBody(body: unknown): void {
  const refused = checkBody('createUploadSession', body);
  if (refused) throw refused;
}

/** A new mail folder (POST childFolders) against the description. */
export function validateFolderBody(body: unknown): void {
  const refused = checkBody('mailFolder', body);
  if (refused) throw refused;
}

export function validateFileAttachment(entry: unknown): InlineAttachment {
  const a = (entry ?? {}) as Record<string, unknown>;
  const type = a['@odata.type'];
  // The description also allows item and reference attachments; the emulator keeps only files,
  // the one kind the archiver sends, and refuses the rest rather than store them wrongly.
  if (type !== '#microsoft.graph.fileAttachment') {
    throw new GraphError(400, 'UnprocessableType', "Cannot process input of abstract type 'Microsoft.OutlookServices.Attachment'");
  }
  if (typeof a.name !== 'string' || !a.name) throw new GraphError(400, 'ErrorInvalidRequest', 'An attachment needs a name.');
  if (typeof a.contentBytes !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.contentBytes)) throw new GraphError(400, 'ErrorInvalidRequest', 'contentBytes must be base64.');
  const bytes = Buffer.from(a.contentBytes, 'base64');
  if (bytes.length > MAX_INLINE_ATTACHMENT_BYTES) {
    throw new GraphError(413, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'Attachment size must be less than 3 MB; use an upload session.');
  }
  return {
    name: a.name,
    contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
    isInline: a.isInline === true,
    contentId: typeof a.contentId === 'string' ? a.contentId : undefined,
    bytes,
  };
}
