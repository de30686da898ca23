import { z } from 'zod';
import { call, emptyInput } from './define';
import { symphonySettingsSchema } from './capture';
import { contentExportSettingsSchema } from './content-export';
import { conversionSettingsSchema } from './convert';
import { clientIdSchema, displayNameSchema, tenantIdSchema } from './fields';
import { microsoftSettingsSchema } from './import';
import { mappingSettingsSchema } from './mapping';
import { scheduleSettingsSchema } from './runs';

/**
 * A connector is one Symphony pod archived into one Microsoft 365 tenant. Each domain owns the
 * schema of its own section; this file only composes them. Secrets are never part of settings:
 * keys and certificates are referenced by file path.
 */
export const connectorSettingsSchema = z.object({
  symphony: symphonySettingsSchema.prefault({}),
  /** Used when `symphony.source` is `content-export`. */
  contentExport: contentExportSettingsSchema.prefault({}),
  microsoft: microsoftSettingsSchema.prefault({}),
  conversion: conversionSettingsSchema.prefault({}),
  mapping: mappingSettingsSchema.prefault({}),
  schedule: scheduleSettingsSchema.prefault({}),
});
export type ConnectorSettings = z.infer<typeof connectorSettingsSchema>;

/** Any printable name up to 80 characters; unique among connectors (checked by the core). */
export const connectorNameSchema = displayNameSchema('A connector');

/**
 * What the officer may save through the contract: the stored shape, with the Microsoft ids held
 * to their real formats. Stored settings keep the looser shape, so a connector saved by an older
 * version still loads and its field is marked for correction instead of the connector vanishing.
 */
export const microsoftSettingsInputSchema = microsoftSettingsSchema.extend({
  tenantId: tenantIdSchema.default(''),
  clientId: clientIdSchema.default(''),
});
export const connectorSettingsInputSchema = connectorSettingsSchema.extend({
  microsoft: microsoftSettingsInputSchema.prefault({}),
});

export const connectorSchema = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  settings: connectorSettingsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Connector = z.infer<typeof connectorSchema>;

const connectorIdInput = z.object({ id: z.string().min(1) }).strict();

export const connectorCalls = {
  'connectors.list': call(emptyInput, z.array(connectorSchema), 'All connectors, by name.'),
  'connectors.get': call(connectorIdInput, connectorSchema, 'One connector.'),
  'connectors.create': call(
    z.object({ name: connectorNameSchema, enabled: z.boolean().optional(), settings: connectorSettingsInputSchema.partial().optional() }).strict(),
    connectorSchema,
    'Creates a connector (enabled unless told otherwise) with default settings merged under the given ones.',
  ),
  'connectors.update': call(
    z.object({ id: z.string().min(1), name: connectorNameSchema.optional(), enabled: z.boolean().optional(), settings: connectorSettingsInputSchema.optional() }).strict(),
    connectorSchema,
    'Renames, enables/disables or replaces the settings of a connector.',
  ),
  'connectors.delete': call(connectorIdInput, z.object({ deleted: z.boolean() }), 'Deletes a connector; its captured data stays until purged.'),
} as const;

export const connectorEvents = {
  'connectors.changed': z.object({ id: z.string() }),
} as const;
