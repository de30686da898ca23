import { useState } from 'react';
import { Button } from '../../../components/Button';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ConnectionReport } from './ConnectionReport';
import { ContentExportFields } from './ContentExportFields';
import { Checkbox, SelectField, TextField } from '../../../components/Field';
import { useAction } from '../../../components/useAction';
import { sourceOptions } from './SimpleSteps';
import { podUrlWarning } from '../../../../../shared/contract/fields';

/** What each source reads and what the pod must have for it, in the officer's words. */
const sourceHelp: Record<(typeof sourceOptions)[number]['value'], string> = {
  streams:
    'Reads every IM, group chat and room the service account is a member of. Needs nothing more; add the account to the conversations to archive, or choose Datahose or Content export for the whole pod.',
  datahose:
    'Reads every message of the pod as a feed, members or not. Needs the Datahose add-on from Symphony: two entitlements on this service account and the agent\'s Content Export service set up. The feed starts when it is first read; take older history from Content export.',
  'content-export':
    'Reads the daily ZIP files your pod administrator exports (EML format) to an SFTP server or a folder. Needs the export scheduled in the Admin Portal; pin the server\'s host key and give the PGP key if the files are encrypted.',
};
import { useChecks } from './useChecks';
import type { Wizard } from './useWizard';

const streamTypeOptions = [
  { value: 'IM', label: 'One-to-one chats (IM)' },
  { value: 'MIM', label: 'Group chats (MIM)' },
  { value: 'ROOM', label: 'Rooms' },
] as const;

export function SymphonyStep({ wizard }: { wizard: Wizard }) {
  const { draft, errors } = wizard.state;
  const s = draft.settings.symphony;
  const set = <K extends keyof typeof s>(key: K) => (value: (typeof s)[K]) => wizard.setField('symphony', key, value);
  const checks = useChecks();
  // Open/closed is the officer's choice; React must not re-collapse it on every render.
  const [moreOpen, setMoreOpen] = useState(false);
  const test = useAction(() =>
    wizard.forCheck(async (id) => {
      try {
        const result = await checks.testConnection(id);
        wizard.setCheck('symphony', result.ok ? 'ok' : 'failed');
        const failed = result.steps.find((step) => step.status === 'failed');
        if (failed?.error) wizard.setFieldError(failed.error.target, failed.error.message);
        return result;
      } catch (e) {
        wizard.setCheck('symphony', 'failed');
        throw e;
      }
    }),
  );
  const warn = (value: string, field: string) => (wizard.state.touched[field] || value ? podUrlWarning(value) : undefined);
  return (
    <>
      <p className="lead">
        The archiver reads the pod as a Symphony <strong>service account</strong> (a bot user with RSA key authentication) that an administrator has
        given the right to read the conversations to archive.
      </p>
      <TextField label="Pod URL" type="url" name="symphony.podUrl" value={s.podUrl} onChange={set('podUrl')} error={errors['symphony.podUrl']} warning={warn(s.podUrl, 'symphony.podUrl')} placeholder="https://acme.symphony.com" spellCheck={false} />
      <div className="field-row">
        <TextField label="Agent URL" type="url" name="symphony.agentUrl" value={s.agentUrl} onChange={set('agentUrl')} error={errors['symphony.agentUrl']} warning={warn(s.agentUrl, 'symphony.agentUrl')} hint="Leave empty when it is the pod URL." spellCheck={false} />
        <TextField label="Key manager URL" type="url" name="symphony.keyManagerUrl" value={s.keyManagerUrl} onChange={set('keyManagerUrl')} error={errors['symphony.keyManagerUrl']} warning={warn(s.keyManagerUrl, 'symphony.keyManagerUrl')} hint="Leave empty when it is the pod URL." spellCheck={false} />
      </div>
      <TextField label="Service account username" name="symphony.username" value={s.username} onChange={set('username')} error={errors['symphony.username']} autoComplete="off" spellCheck={false} />
      <TextField
        label="Private key file"
        name="symphony.privateKeyPath"
        value={s.privateKeyPath}
        onChange={set('privateKeyPath')}
        error={errors['symphony.privateKeyPath']}
        hint="Full path of the PEM file with the service account's RSA private key. The archiver reads it when it signs in and never copies it."
        placeholder="/secure/keys/archiver-bot.pem"
        spellCheck={false}
      />
      <SelectField label="Source" value={s.source} options={sourceOptions} onChange={set('source')} hint={sourceHelp[s.source]} />
      {s.source === 'content-export' && <ContentExportFields wizard={wizard} />}
      <details className="advanced" open={moreOpen || Boolean(errors['symphony.streamTypes'] || errors['symphony.proxyUrl'] || errors['symphony.startDate'])} onToggle={(e) => setMoreOpen(e.currentTarget.open)}>
        <summary>More options</summary>
        <fieldset className="radio-group" aria-describedby={errors['symphony.streamTypes'] ? 'stream-types-error' : undefined}>
          <legend>Conversations to archive</legend>
          {streamTypeOptions.map((o) => (
            <Checkbox
              key={o.value}
              label={o.label}
              checked={s.streamTypes.includes(o.value)}
              onChange={(on) => set('streamTypes')(on ? [...s.streamTypes, o.value] : s.streamTypes.filter((t) => t !== o.value))}
            />
          ))}
          {errors['symphony.streamTypes'] && (
            <div id="stream-types-error" className="field-error" role="alert">
              {errors['symphony.streamTypes']}
            </div>
          )}
        </fieldset>
        <TextField label="Proxy URL" type="url" name="symphony.proxyUrl" value={s.proxyUrl} onChange={set('proxyUrl')} error={errors['symphony.proxyUrl']} hint="Only when the pod is reached through an HTTP proxy." spellCheck={false} />
        <TextField label="Start date" type="date" name="symphony.startDate" value={s.startDate} onChange={set('startDate')} error={errors['symphony.startDate']} hint="The first run captures from this date; empty means from the beginning." />
      </details>
      <div className="step-actions">
        <Button onClick={() => void test.run()} busy={test.busy} data-testid="test-connection">
          Test connection
        </Button>
      </div>
      {test.error && <ErrorNotice error={test.error} title="The connection test failed" />}
      {test.result && <ConnectionReport result={test.result} />}
    </>
  );
}
