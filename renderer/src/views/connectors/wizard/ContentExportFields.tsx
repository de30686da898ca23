import type { ContentExportTestResult } from '../../../../../shared/contract';
import { Button } from '../../../components/Button';
import { ErrorNotice, Notice } from '../../../components/ErrorNotice';
import { Checkbox, RadioGroup, TextField } from '../../../components/Field';
import { useAction } from '../../../components/useAction';
import { useApi } from '../../../state/api-context';
import type { Wizard } from './useWizard';

/** Where the pod's Content Export files are (SFTP or a folder), when the source is Content Export. */
export function ContentExportFields({ wizard }: { wizard: Wizard }) {
  const api = useApi();
  const { draft, errors } = wizard.state;
  const c = draft.settings.contentExport;
  const set = <K extends keyof typeof c>(key: K) => (value: (typeof c)[K]) => wizard.setField('contentExport', key, value);
  const err = (key: string) => errors[`contentExport.${key}`];
  const test = useAction((): Promise<ContentExportTestResult | null> => wizard.forCheck((connectorId) => api.invoke('contentExport.test', { connectorId })));
  return (
    <fieldset className="subsection">
      <legend>Content Export location</legend>
      <p className="field-hint">The destination set in the Admin Portal under Company Settings, Export Content, with the format set to EML.</p>
      <RadioGroup
        legend="The export files are on"
        name="export-transport"
        value={c.transport}
        onChange={set('transport')}
        options={[
          { value: 'sftp', label: 'An SFTP server' },
          { value: 'folder', label: 'A local or network folder' },
        ]}
      />
      {c.transport === 'sftp' ? (
        <>
          <div className="field-row">
            <TextField label="SFTP host" value={c.host} onChange={set('host')} error={err('host')} spellCheck={false} />
            <TextField label="Port" type="number" value={String(c.port)} onChange={(v) => set('port')(Number(v))} error={err('port')} />
          </div>
          <TextField label="SFTP username" value={c.username} onChange={set('username')} error={err('username')} spellCheck={false} autoComplete="off" />
          <TextField label="SFTP key file" value={c.privateKeyPath} onChange={set('privateKeyPath')} error={err('privateKeyPath')} hint="OpenSSH or PEM private key; leave empty to use a password." spellCheck={false} />
          <TextField label="SFTP password" value={c.passwordRef} onChange={set('passwordRef')} error={err('passwordRef')} hint="Where the password is, as env:VARIABLE or file:/path — never the password itself." spellCheck={false} />
          <TextField
            label="Host key fingerprint"
            value={c.hostKeyFingerprint}
            onChange={set('hostKeyFingerprint')}
            error={err('hostKeyFingerprint')}
            hint="As ssh-keygen -lf prints it (SHA256:…); a server presenting another key is refused."
            spellCheck={false}
          />
          <TextField label="Remote folder" value={c.remoteDir} onChange={set('remoteDir')} error={err('remoteDir')} spellCheck={false} />
        </>
      ) : (
        <TextField label="Export folder" value={c.localDir} onChange={set('localDir')} error={err('localDir')} spellCheck={false} />
      )}
      <details className="advanced">
        <summary>Encryption and clean-up</summary>
        <TextField label="PGP private key file" value={c.pgpPrivateKeyPath} onChange={set('pgpPrivateKeyPath')} hint="Only when the export is PGP-encrypted." spellCheck={false} />
        <TextField label="PGP passphrase" value={c.pgpPassphraseRef} onChange={set('pgpPassphraseRef')} error={err('pgpPassphraseRef')} hint="env:VARIABLE or file:/path." spellCheck={false} />
        <Checkbox label="Delete each file from the server once it is stored" checked={c.deleteAfterIngest} onChange={set('deleteAfterIngest')} />
      </details>
      <div className="step-actions">
        <Button onClick={() => void test.run()} busy={test.busy} data-testid="test-export">
          Test the export location
        </Button>
      </div>
      {test.error && <ErrorNotice error={test.error} title="The export location could not be read" />}
      {test.result && (
        <Notice kind="ok" testId="export-ok">
          {test.result.summary}
          {test.result.presentedFingerprint && ` Host key ${test.result.hostKeyVerified ? 'verified' : 'not verified'}: ${test.result.presentedFingerprint}.`}
        </Notice>
      )}
    </fieldset>
  );
}
