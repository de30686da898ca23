import type { ReactNode } from 'react';
import { formatNextRun } from '../../../components/format';
import { useSchedulePreview } from './NextRuns';
import { cloudOptions, sourceOptions } from './SimpleSteps';
import { validateStep, wizardSteps } from './steps';
import type { Wizard } from './useWizard';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children || <span className="muted">not set</span>}</dd>
    </>
  );
}

export function ReviewStep({ wizard }: { wizard: Wizard }) {
  const { draft } = wizard.state;
  const { symphony: s, microsoft: m, mapping: map, schedule } = draft.settings;
  const edit = (id: string) => (
    <button className="link" onClick={() => wizard.goTo(wizardSteps.findIndex((w) => w.id === id))} aria-label={`Change ${wizardSteps.find((w) => w.id === id)?.title}`}>
      Change
    </button>
  );
  const next = useSchedulePreview(schedule, wizard.state.connectorId, Object.keys(validateStep('schedule', draft)).length === 0, 1)?.[0];
  return (
    <>
      <p className="lead">Check the settings, then press Finish. You can change any of them later from the connector.</p>
      <section className="review" aria-label="Review">
        <h3>Name {edit('name')}</h3>
        <dl className="facts">
          <Row label="Connector">{draft.name}</Row>
        </dl>
        <h3>Symphony pod {edit('symphony')}</h3>
        <dl className="facts">
          <Row label="Pod">{s.podUrl}</Row>
          <Row label="Agent">{s.agentUrl || 'same as the pod'}</Row>
          <Row label="Key manager">{s.keyManagerUrl || 'same as the pod'}</Row>
          <Row label="Service account">{s.username}</Row>
          <Row label="Private key">{s.privateKeyPath && <code>{s.privateKeyPath}</code>}</Row>
          <Row label="Source">{sourceOptions.find((o) => o.value === s.source)?.label}</Row>
        </dl>
        <h3>Microsoft 365 {edit('microsoft')}</h3>
        <dl className="facts">
          <Row label="Tenant">{m.tenantId}</Row>
          <Row label="Client id">{m.clientId}</Row>
          <Row label="Cloud">{cloudOptions.find((o) => o.value === m.cloud)?.label}</Row>
          <Row label="Sign-in">{m.authMode === 'interactive' ? 'Interactive (officer)' : `Certificate ${m.certificatePath}`}</Row>
        </dl>
        <h3>Mailboxes {edit('mapping')}</h3>
        <dl className="facts">
          <Row label="Mapping">{map.mode === 'automatic' ? 'Automatic, by e-mail address' : 'Custom rows only'}</Row>
          <Row label="Fallback mailbox">{map.fallbackMailbox || 'none: unmapped items are reported'}</Row>
          <Row label="Folder">Inbox/{m.folderName}</Row>
          <Row label="E-mails">
            {draft.settings.conversion.mode === 'per-message' ? 'One per message' : 'One transcript per conversation per day'}
            {draft.settings.conversion.exportFolder ? `, copies in ${draft.settings.conversion.exportFolder}` : ''}
          </Row>
        </dl>
        <h3>Schedule {edit('schedule')}</h3>
        <dl className="facts">
          <Row label="Runs">
            {!schedule.enabled ? 'Only when started by hand' : schedule.kind === 'interval' ? `Every ${schedule.intervalHours} h` : `Cron ${schedule.cron}`}
          </Row>
          {schedule.enabled && schedule.windowStart && <Row label="Window">{`${schedule.windowStart}–${schedule.windowEnd}`}</Row>}
          {next && <Row label="First run">{formatNextRun(next)}</Row>}
        </dl>
      </section>
    </>
  );
}
