import { z } from 'zod';
import { call } from './define';

// Deliberately simple: a mailbox address has one @, no spaces, and a dotted domain. Graph has the last word.
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export const mappingSettingsSchema = z.object({
  /** automatic: by the participant's e-mail, with custom rows winning; custom-only: only custom rows. */
  mode: z.enum(['automatic', 'custom-only']).default('automatic'),
  /** Items with no mapped participant go here when set; otherwise they are reported as unmapped. */
  fallbackMailbox: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => v === '' || ADDRESS.test(v), 'Enter the fallback mailbox as an address such as archive@contoso.com, or leave it empty.')
    .default(''),
});
export type MappingSettings = z.infer<typeof mappingSettingsSchema>;

/** The CSV header, in the order the export writes it (docs/mapping.md explains each column). */
export const mappingCsvColumns = ['symphony_user_id', 'symphony_email', 'target_upn', 'also_deliver_to', 'exclude', 'note'] as const;
export type MappingCsvColumn = (typeof mappingCsvColumns)[number];

/** Which CSV column each field of a custom mapping comes from; errors name the column, not the field. */
export const mappingFieldColumns = {
  symphonyUserId: 'symphony_user_id',
  symphonyEmail: 'symphony_email',
  targetUpn: 'target_upn',
  alsoDeliverTo: 'also_deliver_to',
  exclude: 'exclude',
  note: 'note',
} as const satisfies Record<string, MappingCsvColumn>;


const address = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(254, `The ${what} is longer than any e-mail address can be (254 characters).`)
    .regex(ADDRESS, `The ${what} must be an address such as jane.doe@contoso.com.`);

const optionalAddress = (what: string) => z.union([z.literal(''), address(what)]).default('');

/**
 * One custom row: who (Symphony user id and/or e-mail) goes where (a Microsoft 365 UPN, plus
 * optional copies), or is excluded. The same schema validates an inline edit and a CSV row.
 */
export const customMappingSchema = z
  .object({
    symphonyUserId: z
      .string()
      .trim()
      .regex(/^(\d{1,20})?$/, 'A Symphony user id is a number such as 349026222344902 (digits only).')
      .default(''),
    symphonyEmail: optionalAddress('Symphony e-mail'),
    targetUpn: optionalAddress('target UPN'),
    alsoDeliverTo: z.array(address('"also deliver to" address')).max(20, 'Give at most 20 "also deliver to" addresses.').default([]),
    exclude: z.boolean().default(false),
    note: z.string().trim().max(500, 'Keep the note under 500 characters.').default(''),
  })
  .strict()
  .superRefine((row, ctx) => {
    if (!row.symphonyUserId && !row.symphonyEmail) {
      ctx.addIssue({ code: 'custom', path: ['symphonyUserId'], message: 'Say whom the row is for: give a Symphony user id, a Symphony e-mail, or both.' });
    }
    if (row.exclude && (row.targetUpn || row.alsoDeliverTo.length > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: [row.targetUpn ? 'targetUpn' : 'alsoDeliverTo'],
        message: 'An excluded participant receives nothing: leave target_upn and also_deliver_to empty, or set exclude to false.',
      });
    }
    if (!row.exclude && !row.targetUpn && row.alsoDeliverTo.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['targetUpn'], message: 'The row changes nothing: give a target UPN, an "also deliver to" address, or set exclude to true.' });
    }
    if (new Set(row.alsoDeliverTo).size !== row.alsoDeliverTo.length) {
      ctx.addIssue({ code: 'custom', path: ['alsoDeliverTo'], message: 'An "also deliver to" address is listed twice.' });
    }
  });
/** A custom row's identity: its user id when it has one, else its e-mail. */
export function customMappingKey(row: { symphonyUserId: string; symphonyEmail: string }): string {
  return row.symphonyUserId ? `user:${row.symphonyUserId}` : `email:${row.symphonyEmail.toLowerCase()}`;
}

export type CustomMappingInput = z.input<typeof customMappingSchema>;
export type CustomMapping = z.output<typeof customMappingSchema>;

/** How a participant's mailbox was decided. */
export const resolutionHowSchema = z.enum(['automatic', 'custom', 'unmapped', 'excluded', 'external']);
export type ResolutionHow = z.infer<typeof resolutionHowSchema>;

export const mappingParticipantSchema = z.object({
  userId: z.string(),
  email: z.string(),
  displayName: z.string(),
  external: z.boolean(),
});

export const participantRowSchema = z.object({
  /** Stable row key: `user:<id>` for participants seen in captured items, or the custom row's key. */
  key: z.string(),
  participant: mappingParticipantSchema,
  /** The custom row that applies, if any (found by user id first, then by e-mail). */
  custom: customMappingSchema.nullable(),
  customKey: z.string().nullable(),
  resolvedMailbox: z.string().nullable(),
  alsoDeliverTo: z.array(z.string()),
  how: resolutionHowSchema,
  /** Captured items this participant was a member of. */
  itemsAffected: z.number().int(),
  /** Items held back because this participant had no mailbox; delivered once they are mapped. */
  heldItems: z.number().int(),
  /** Time of the last item the participant was seen in (ISO), null for a custom row never seen. */
  lastSeen: z.string().nullable(),
});
export type ParticipantRow = z.infer<typeof participantRowSchema>;

export const participantSortSchema = z.enum(['name', 'email', 'mailbox', 'how', 'itemsAffected', 'lastSeen']);
export type ParticipantSort = z.infer<typeof participantSortSchema>;

export const csvErrorSchema = z.object({
  /** 1-based line in the file; the header is line 1. */
  line: z.number().int(),
  /** The column's header name, or '' when the whole row is wrong. */
  column: z.string(),
  message: z.string(),
});
export type CsvError = z.infer<typeof csvErrorSchema>;

export const mappingChangeSchema = z.object({
  kind: z.enum(['added', 'changed', 'removed']),
  key: z.string(),
  /** Line in the imported file (absent for a removed row). */
  line: z.number().int().optional(),
  before: customMappingSchema.nullable(),
  after: customMappingSchema.nullable(),
});
export type MappingChange = z.infer<typeof mappingChangeSchema>;

export const mappingChangesSchema = z.object({
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int(),
  /** The added, changed and removed rows; cut at `rowsLimit` for very large files. */
  rows: z.array(mappingChangeSchema),
  rowsTruncated: z.boolean(),
});
export type MappingChanges = z.infer<typeof mappingChangesSchema>;

export const unmappedRowSchema = z.object({
  participant: mappingParticipantSchema,
  /** Items held back for this participant, waiting for a mapping. */
  itemsAffected: z.number().int(),
  lastSeen: z.string().nullable(),
});
export type UnmappedRow = z.infer<typeof unmappedRowSchema>;

const connectorId = z.string().min(1);
/** Generous, but keeps a wrong file (a log, a database) from being parsed in the core. */
export const MAPPING_CSV_MAX_CHARS = 32 * 1024 * 1024;
const csvText = z.string().max(MAPPING_CSV_MAX_CHARS, 'The file is larger than 32 MB; send it as an upload, split it or remove unused columns.');
/** A file received by the host's upload path (browser: POST /uploads; desktop: IPC), read as a stream. */
export const uploadIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'This is not an upload id; choose the file again.');
/** The file as text (small files, tests) or as an upload (any size, never held in memory). */
const csvSource = { csv: csvText.optional(), upload: uploadIdSchema.optional() };
const oneSource = (input: { csv?: string; upload?: string }) => (input.csv === undefined) !== (input.upload === undefined);
const oneSourceMessage = { message: 'Give the file either as csv text or as an upload id, not both.', path: ['csv'] };

export const mappingCalls = {
  'mapping.participants': call(
    z
      .object({
        connectorId,
        query: z.string().trim().max(200).optional(),
        sort: participantSortSchema.default('name'),
        direction: z.enum(['asc', 'desc']).default('asc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    z.object({ total: z.number().int(), unmapped: z.number().int(), revision: z.number().int(), rows: z.array(participantRowSchema) }),
    'Participants of a connector with their mailbox and how it was decided; unmapped participants first.',
  ),
  'mapping.set': call(
    z.object({ connectorId, mapping: customMappingSchema, replacesKey: z.string().optional() }).strict(),
    z.object({ key: z.string(), mapping: customMappingSchema }),
    'Creates or replaces one custom row (and removes the row it replaces when its key changed).',
  ),
  'mapping.remove': call(z.object({ connectorId, key: z.string().min(1) }).strict(), z.object({ removed: z.boolean() }), 'Removes one custom row.'),
  'mapping.previewCsv': call(
    z.object({ connectorId, ...csvSource }).strict().refine(oneSource, oneSourceMessage),
    z.object({ errors: z.array(csvErrorSchema), changes: mappingChangesSchema, rowCount: z.number().int(), revision: z.number().int() }),
    'Validates a mapping CSV and lists what applying it would add, change and remove; changes nothing.',
  ),
  'mapping.applyCsv': call(
    z.object({ connectorId, ...csvSource, expectedRevision: z.number().int().optional() }).strict().refine(oneSource, oneSourceMessage),
    z.object({ applied: z.boolean(), errors: z.array(csvErrorSchema), changes: mappingChangesSchema, revision: z.number().int() }),
    'Replaces the custom rows by the file in one transaction; a file with any bad row changes nothing. An applied upload is removed.',
  ),
  'mapping.exportCsv': call(z.object({ connectorId }).strict(), z.object({ csv: z.string(), filename: z.string() }), 'The custom rows as a CSV file.'),
  'mapping.unmapped': call(
    z.object({ connectorId }).strict(),
    z.object({ rows: z.array(unmappedRowSchema) }),
    'Participants with items held back because they have no mailbox, most affected first.',
  ),
} as const;

export const mappingEvents = {
  'mapping.changed': z.object({ connectorId: z.string(), revision: z.number().int() }),
} as const;
