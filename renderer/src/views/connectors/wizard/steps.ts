import { Cron } from 'croner';
import {
  connectorNameSchema,
  contentExportSettingsSchema,
  conversionSettingsSchema,
  mappingSettingsSchema,
  microsoftSettingsInputSchema,
  nameKey,
  nameTakenMessage,
  microsoftSettingsSchema,
  scheduleSettingsSchema,
  symphonySettingsSchema,
  type ConnectorSettings,
} from '../../../../../shared/contract';
import { requireFields, schemaErrors, type FieldErrors } from '../../../components/validate';

export const wizardSteps = [
  { id: 'name', title: 'Name' },
  { id: 'symphony', title: 'Symphony pod' },
  { id: 'microsoft', title: 'Microsoft 365' },
  { id: 'mapping', title: 'Mailboxes' },
  { id: 'schedule', title: 'Schedule' },
  { id: 'review', title: 'Review' },
] as const;
export type StepId = (typeof wizardSteps)[number]['id'];

export interface WizardDraft {
  name: string;
  settings: ConnectorSettings;
}

/**
 * What each step checks before the officer may go on: the contract's schemas for the format (so
 * the words match the core's), plus what the step needs to be filled in.
 */
export function validateStep(step: StepId, draft: WizardDraft, context: { takenNames?: readonly string[] } = {}): FieldErrors {
  const s = draft.settings;
  switch (step) {
    case 'name': {
      const errors = schemaErrors(connectorNameSchema, draft.name, 'name');
      // The core checks this too (on save); asking first spares the officer a round trip.
      if (!errors.name && context.takenNames?.some((n) => nameKey(n) === nameKey(draft.name))) errors.name = nameTakenMessage('connector', draft.name);
      return errors;
    }
    case 'symphony': {
      const podUrl = { podUrl: 'Enter the pod URL, such as https://acme.symphony.com.' };
      if (s.symphony.source === 'content-export') {
        return {
          ...requireFields(s.symphony, podUrl, 'symphony.'),
          ...schemaErrors(symphonySettingsSchema, s.symphony, 'symphony.'),
          ...contentExportErrors(s.contentExport),
        };
      }
      const streamTypes: FieldErrors = s.symphony.streamTypes.length === 0 ? { 'symphony.streamTypes': 'Choose at least one kind of conversation to archive.' } : {};
      return {
        ...requireFields(s.symphony, {
          ...podUrl,
          username: "Enter the service account's username, as shown in the Symphony admin console.",
          privateKeyPath: "Enter the path of the service account's private key file (PEM).",
        }, 'symphony.'),
        ...schemaErrors(symphonySettingsSchema, s.symphony, 'symphony.'),
        ...streamTypes,
      };
    }
    case 'microsoft':
      return {
        ...requireFields(s.microsoft, {
          tenantId: 'Enter the tenant id (a GUID) or the primary domain, such as contoso.onmicrosoft.com.',
          clientId: 'Enter the application (client) id of the app registration.',
          ...(s.microsoft.authMode === 'certificate' ? { certificatePath: 'Certificate sign-in needs the path of the PEM with the certificate and its private key.' } : {}),
        }, 'microsoft.'),
        ...schemaErrors(microsoftSettingsInputSchema, s.microsoft, 'microsoft.'),
      };
    case 'mapping':
      return {
        ...schemaErrors(mappingSettingsSchema, s.mapping, 'mapping.'),
        ...pick(schemaErrors(microsoftSettingsSchema, s.microsoft, 'microsoft.'), 'microsoft.folderName'),
        ...requireFields(s.microsoft, { folderName: 'Name the folder the e-mails go to, such as Symphony.' }, 'microsoft.'),
        ...schemaErrors(conversionSettingsSchema, s.conversion, 'conversion.'),
      };
    case 'schedule': {
      const errors = schemaErrors(scheduleSettingsSchema, s.schedule, 'schedule.');
      if (s.schedule.kind === 'cron') {
        const problem = cronProblem(s.schedule.cron);
        if (problem) errors['schedule.cron'] ??= problem;
      }
      if (Boolean(s.schedule.windowStart) !== Boolean(s.schedule.windowEnd)) {
        errors[s.schedule.windowStart ? 'schedule.windowEnd' : 'schedule.windowStart'] ??= 'Give both the start and the end of the window, or neither.';
      }
      return errors;
    }
    case 'review':
      return {};
  }
}

const SFTP_ONLY = ['host', 'port', 'username', 'privateKeyPath', 'privateKeyPassphraseRef', 'passwordRef', 'hostKeyFingerprint', 'remoteDir'] as const;

/**
 * The settings as they can be saved: a malformed value typed in a field of the Content Export
 * transport not in use goes back to its default, instead of blocking the save of everything else.
 */
export function settingsForSave(settings: ConnectorSettings): ConnectorSettings {
  const c = settings.contentExport;
  const unused: readonly string[] = c.transport === 'folder' ? SFTP_ONLY : ['localDir'];
  const bad = Object.keys(schemaErrors(contentExportSettingsSchema, c)).filter((k) => unused.includes(k));
  if (bad.length === 0) return settings;
  const defaults = contentExportSettingsSchema.parse({});
  return { ...settings, contentExport: { ...c, ...Object.fromEntries(bad.map((k) => [k, defaults[k as keyof typeof defaults]])) } };
}

function contentExportErrors(c: ConnectorSettings['contentExport']): FieldErrors {
  const required: Record<string, string> =
    c.transport === 'folder'
      ? { localDir: 'Enter the folder the export files are written to.' }
      : {
          host: 'Enter the SFTP server set as the export destination.',
          username: 'Enter the SFTP username.',
          hostKeyFingerprint: "Enter the server's host key fingerprint, so that no other server can pose as it.",
          ...(c.privateKeyPath || c.passwordRef ? {} : { privateKeyPath: 'Give a key file, or a password reference below.' }),
        };
  // Fields of the transport not in use do not block (the officer may have typed in them before switching).
  const unused = new Set((c.transport === 'folder' ? SFTP_ONLY : ['localDir']).map((f) => `contentExport.${f}`));
  const format = Object.entries(schemaErrors(contentExportSettingsSchema, c, 'contentExport.')).filter(([key]) => !unused.has(key));
  return { ...requireFields(c, required, 'contentExport.'), ...Object.fromEntries(format) };
}

function pick(errors: FieldErrors, key: string): FieldErrors {
  return errors[key] ? { [key]: errors[key] } : {};
}

export function cronProblem(expression: string): string | undefined {
  if (!expression.trim()) return 'Enter a cron expression such as "0 2 * * *" (every day at 02:00).';
  try {
    new Cron(expression.trim(), { paused: true });
    return undefined;
  } catch (e) {
    return `This cron expression is not valid (${e instanceof Error ? e.message : String(e)}). Use five fields: minute hour day month weekday, such as "0 2 * * *".`;
  }
}

/** Maps a core error's target (`settings.symphony.podUrl`) to the wizard field it is about. */
export function fieldOfTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  return target.replace(/^settings\./, '');
}

export function stepOfField(field: string): StepId | undefined {
  if (field === 'name') return 'name';
  if (field.startsWith('symphony.') || field.startsWith('contentExport.')) return 'symphony';
  if (field === 'microsoft.folderName' || field.startsWith('mapping.') || field.startsWith('conversion.')) return 'mapping';
  if (field.startsWith('microsoft.')) return 'microsoft';
  if (field.startsWith('schedule.')) return 'schedule';
  return undefined;
}
