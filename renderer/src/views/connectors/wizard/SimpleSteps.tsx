import { Checkbox, NumberField, RadioGroup, TextField } from '../../../components/Field';
import { NextRuns } from './NextRuns';
import { validateStep } from './steps';
import type { Wizard } from './useWizard';

export function NameStep({ wizard }: { wizard: Wizard }) {
  const { draft, errors } = wizard.state;
  return (
    <>
      <p className="lead">A connector archives one Symphony pod into one Microsoft 365 tenant. Give it a name you will recognise in reports and logs.</p>
      <TextField label="Connector name" name="name" value={draft.name} onChange={wizard.setName} error={errors.name} hint="For example: Acme production pod" autoFocus />
    </>
  );
}

export function MappingStep({ wizard }: { wizard: Wizard }) {
  const { draft, errors } = wizard.state;
  const m = draft.settings.mapping;
  return (
    <>
      <p className="lead">Decide whose mailbox receives each conversation. Every participant who has a Microsoft 365 mailbox gets a copy.</p>
      <RadioGroup
        legend="Mapping mode"
        name="mapping-mode"
        value={m.mode}
        onChange={(v) => wizard.setField('mapping', 'mode', v)}
        options={[
          { value: 'automatic', label: 'Automatic', hint: "by the participant's e-mail address; custom rows in the Mapping view win" },
          { value: 'custom-only', label: 'Custom only', hint: 'only the rows you import or enter in the Mapping view' },
        ]}
      />
      <TextField
        label="Fallback mailbox"
        name="mapping.fallbackMailbox"
        type="email"
        value={m.fallbackMailbox}
        onChange={(v) => wizard.setField('mapping', 'fallbackMailbox', v)}
        error={errors['mapping.fallbackMailbox']}
        hint="Receives items nobody else can; leave empty to report such items as unmapped instead."
        placeholder="archive@contoso.com"
      />
      <TextField
        label="Folder name"
        value={draft.settings.microsoft.folderName}
        onChange={(v) => wizard.setField('microsoft', 'folderName', v)}
        error={errors['microsoft.folderName']}
        hint="Created under each mailbox's Inbox, for example Inbox/Symphony."
      />
      <Checkbox label="Mark archived e-mails as read" checked={draft.settings.microsoft.markAsRead} onChange={(v) => wizard.setField('microsoft', 'markAsRead', v)} />
      <RadioGroup
        legend="E-mails"
        name="conversion-mode"
        value={draft.settings.conversion.mode}
        onChange={(v) => wizard.setField('conversion', 'mode', v)}
        options={[
          { value: 'per-message', label: 'One e-mail per message', hint: 'each Symphony message is its own e-mail' },
          { value: 'daily-transcript', label: 'One transcript per conversation per day', hint: 'fewer e-mails; a day’s messages together (UTC)' },
        ]}
      />
      <TextField
        label="Also save .eml files to"
        value={draft.settings.conversion.exportFolder}
        onChange={(v) => wizard.setField('conversion', 'exportFolder', v)}
        error={errors['conversion.exportFolder']}
        hint="Optional: a folder that receives a copy of every e-mail, one sub-folder per conversation."
        spellCheck={false}
      />
    </>
  );
}

export function ScheduleStep({ wizard }: { wizard: Wizard }) {
  const { draft, errors } = wizard.state;
  const s = draft.settings.schedule;
  return (
    <>
      <p className="lead">Runs capture what is new since the last run. A run missed while the computer was off starts when the archiver is next open.</p>
      <Checkbox label="Run on a schedule" checked={s.enabled} onChange={(v) => wizard.setField('schedule', 'enabled', v)} hint="Without a schedule, runs start only when you press Run now." />
      {s.enabled && (
        <>
          <RadioGroup
            legend="Repeat"
            name="schedule-kind"
            value={s.kind}
            onChange={(v) => wizard.setField('schedule', 'kind', v)}
            options={[
              { value: 'interval', label: 'Every few hours' },
              { value: 'cron', label: 'Cron expression', hint: 'for exact times' },
            ]}
          />
          {s.kind === 'interval' ? (
            <NumberField
              label="Hours between runs"
              name="schedule.intervalHours"
              value={s.intervalHours}
              onChange={(v) => wizard.setField('schedule', 'intervalHours', v)}
              error={errors['schedule.intervalHours']}
              hint="For example 24 for once a day, or 0.5 for every half hour."
            />
          ) : (
            <TextField
              label="Cron expression"
              name="schedule.cron"
              value={s.cron}
              onChange={(v) => wizard.setField('schedule', 'cron', v)}
              error={errors['schedule.cron']}
              hint="minute hour day month weekday, for example 0 2 * * * (every day at 02:00)"
              spellCheck={false}
            />
          )}
          <div className="field-row">
            <TextField label="Window starts" type="time" name="schedule.windowStart" value={s.windowStart} onChange={(v) => wizard.setField('schedule', 'windowStart', v)} error={errors['schedule.windowStart']} />
            <TextField label="Window ends" type="time" name="schedule.windowEnd" value={s.windowEnd} onChange={(v) => wizard.setField('schedule', 'windowEnd', v)} error={errors['schedule.windowEnd']} />
          </div>
          <p className="field-hint">Optional: runs only start inside this window (local time), for example at night.</p>
          <NextRuns schedule={s} connectorId={wizard.state.connectorId} valid={Object.keys(validateSchedule(wizard)).length === 0} />
        </>
      )}
    </>
  );
}

function validateSchedule(wizard: Wizard) {
  return validateStep('schedule', wizard.state.draft);
}

export const cloudOptions = [
  { value: 'public', label: 'Microsoft 365 (worldwide)' },
  { value: 'usgov', label: 'US Government (GCC High)' },
  { value: 'usgov-dod', label: 'US Government (DoD)' },
  { value: 'china', label: 'China (21Vianet)' },
] as const;

export const sourceOptions = [
  { value: 'streams', label: 'Conversations (streams API)' },
  { value: 'datahose', label: 'Datahose feed' },
  { value: 'content-export', label: 'Content export files' },
] as const;

