import { useState } from 'react';
import type { AuthStatus, MailboxCheck } from '../../../../../shared/contract';
import { Button } from '../../../components/Button';
import { ErrorNotice, Notice } from '../../../components/ErrorNotice';
import { RadioGroup, SelectField, TextField } from '../../../components/Field';
import { Table } from '../../../components/Table';
import { cloudOptions } from './SimpleSteps';
import { useMicrosoftChecks } from './useMicrosoftChecks';
import type { Wizard } from './useWizard';

const reasonFix: Record<NonNullable<MailboxCheck['reason']>, string> = {
  'no-mailbox': 'The user has no Exchange Online mailbox. Give them one, or map them to another mailbox.',
  'not-licensed': 'Assign the user an Exchange Online licence.',
  'access-denied': 'Grant the app registration Mail.ReadWrite (application) and, if used, add the mailbox to its application access policy.',
  'not-found': 'Check the address; map the participant in the Mapping view if their UPN differs.',
  unreachable: 'Microsoft 365 did not answer. Check the network and try again.',
};

export function MicrosoftStep({ wizard }: { wizard: Wizard }) {
  const m = wizard.state.draft.settings.microsoft;
  const [mailboxes, setMailboxes] = useState(wizard.state.draft.settings.mapping.fallbackMailbox);
  const { status, signIn, signOut, permissions } = useMicrosoftChecks(wizard, mailboxes);
  return (
    <>
      <p className="lead">
        The archiver writes into mailboxes through Microsoft Graph with an <strong>app registration</strong> in your tenant. It needs the
        Mail.ReadWrite application permission, granted by an administrator.
      </p>
      <AppRegistrationFields wizard={wizard} />
      <div className="step-actions">
        <Button onClick={() => void signIn.run()} busy={signIn.busy} data-testid="sign-in">
          {m.authMode === 'certificate' ? 'Test sign-in' : 'Sign in'}
        </Button>
        {status?.signedIn && m.authMode === 'interactive' && (
          <Button onClick={() => void signOut.run()} busy={signOut.busy}>
            Sign out
          </Button>
        )}
      </div>
      {(signIn.error ?? signOut.error) && <ErrorNotice error={(signIn.error ?? signOut.error)!} title="Sign-in failed" />}
      {/* Not signed in is news only once there is something to sign in with, or after a try. */}
      {status && (status.signedIn || signIn.result !== undefined || (m.tenantId && m.clientId)) && <AuthStatusLine status={status} />}

      <h3>Permissions</h3>
      <TextField
        label="Mailboxes to check"
        value={mailboxes}
        onChange={setMailboxes}
        hint="Addresses separated by commas; empty checks every mailbox the connector maps to."
        spellCheck={false}
      />
      <div className="step-actions">
        <Button onClick={() => void permissions.run()} busy={permissions.busy} data-testid="check-permissions">
          Check permissions
        </Button>
      </div>
      {permissions.error && <ErrorNotice error={permissions.error} title="The permission check failed" />}
      {permissions.result && <PermissionResults checks={permissions.result.checks} />}
    </>
  );
}

/** The app registration: tenant, client id, cloud, how the archiver signs in, and the endpoints. */
function AppRegistrationFields({ wizard }: { wizard: Wizard }) {
  const { draft, errors } = wizard.state;
  const m = draft.settings.microsoft;
  const set = <K extends keyof typeof m>(key: K) => (value: (typeof m)[K]) => wizard.setField('microsoft', key, value);
  return (
    <>
      <div className="field-row">
        <TextField label="Tenant" name="microsoft.tenantId" value={m.tenantId} onChange={set('tenantId')} error={errors['microsoft.tenantId']} placeholder="contoso.onmicrosoft.com" spellCheck={false} />
        <TextField label="Client id" name="microsoft.clientId" value={m.clientId} onChange={set('clientId')} error={errors['microsoft.clientId']} placeholder="00000000-0000-0000-0000-000000000000" spellCheck={false} />
      </div>
      <SelectField label="Cloud" value={m.cloud} options={cloudOptions} onChange={set('cloud')} />
      <RadioGroup
        legend="How the archiver signs in"
        name="auth-mode"
        value={m.authMode}
        onChange={set('authMode')}
        options={[
          { value: 'interactive', label: 'Interactive', hint: 'you sign in once with your browser' },
          { value: 'certificate', label: 'Certificate', hint: 'unattended, with the app registration’s certificate' },
        ]}
      />
      {m.authMode === 'certificate' && (
        <TextField
          label="Certificate file"
          value={m.certificatePath}
          onChange={set('certificatePath')}
          error={errors['microsoft.certificatePath']}
          hint="Path of a PEM with the certificate and its private key, as uploaded to the app registration."
          spellCheck={false}
        />
      )}
      <details className="advanced">
        <summary>Endpoints</summary>
        <TextField label="Sign-in authority" value={m.authorityHost} onChange={set('authorityHost')} hint="Empty uses the cloud's own." spellCheck={false} />
        <TextField label="Graph endpoint" value={m.graphBaseUrl} onChange={set('graphBaseUrl')} hint="Empty uses the cloud's own." spellCheck={false} />
      </details>
    </>
  );
}

function AuthStatusLine({ status }: { status: AuthStatus }) {
  if (status.signedIn) {
    return (
      <Notice kind="ok" testId="auth-status">
        <strong>Signed in</strong>
        {status.account ? ` as ${status.account}` : ''}.
      </Notice>
    );
  }
  return (
    <Notice kind="warn" testId="auth-status">
      Not signed in{status.problem ? `: ${status.problem}` : '.'}
    </Notice>
  );
}

function PermissionResults({ checks }: { checks: MailboxCheck[] }) {
  if (checks.length === 0) return <Notice kind="info" testId="permissions-result">No mailbox to check yet: enter one above, or check again after the first run.</Notice>;
  const failed = checks.filter((c) => !c.ok).length;
  return (
    <div data-testid="permissions-result">
      <p>{failed === 0 ? `All ${checks.length} mailboxes can be written.` : `${failed} of ${checks.length} mailboxes cannot be written.`}</p>
      <Table
        label="Mailbox permission checks"
        rowKey={(c) => c.mailbox}
        rows={checks}
        columns={[
          { key: 'mailbox', header: 'Mailbox', render: (c) => c.mailbox },
          { key: 'ok', header: 'Result', render: (c) => (c.ok ? <span className="ok-text">✓ Can be written</span> : <span className="error-text">✗ {c.message ?? c.reason}</span>) },
          { key: 'fix', header: 'What to do', render: (c) => (c.ok || !c.reason ? '' : reasonFix[c.reason]) },
        ]}
      />
    </div>
  );
}
