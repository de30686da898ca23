import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectorSettingsSchema, type RunSummary } from '../../shared/contract';
import { dailyVolume } from '../../renderer/src/views/monitor/daily';
import { cronProblem, fieldOfTarget, settingsForSave, stepOfField, validateStep } from '../../renderer/src/views/connectors/wizard/steps';
import { numberText, parseNumberText } from '../../renderer/src/components/form';
import { startViewId } from '../../renderer/src/shell/startView';
import { advanced, firstInvalidStep, initialWizardState, movedTo, saveFailed, shownErrors, withField, withName, withTouched, type WizardState } from '../../renderer/src/views/connectors/wizard/wizardState';
import { ArchiverError } from '../../shared/errors';

function run(startedAt: string, delivered: [number, number], failed: number): RunSummary {
  const cb = (count: number, bytes = 0) => ({ count, bytes });
  return {
    id: 1,
    connectorId: 'c',
    trigger: 'manual',
    status: 'succeeded',
    stage: null,
    startedAt,
    finishedAt: startedAt,
    error: null,
    reconciliation: {
      captured: cb(delivered[0] + failed),
      delivered: cb(delivered[0], delivered[1]),
      blocked: cb(0),
      failed: cb(failed),
      stoppedRetrying: cb(0),
      failedFirstTime: failed,
      held: cb(0),
      skipped: { ...cb(0), byReason: {} },
      unaccounted: cb(0),
      deliveries: { planned: delivered[0] + failed, delivered: delivered[0], alreadyThere: 0, partial: 0, blocked: 0, failed, held: 0, skipped: 0, open: 0 },
      blockedMailboxes: [],
      balanced: true,
      problems: [],
    },
  };
}

describe('daily volume for the monitor charts', () => {
  it('sums runs per local day over the window, with empty days present and old runs left out', () => {
    const now = new Date(2026, 10, 25, 15, 0);
    const days = dailyVolume(
      [
        run(new Date(2026, 10, 25, 9, 0).toISOString(), [10, 1000], 1),
        run(new Date(2026, 10, 25, 14, 0).toISOString(), [5, 500], 0),
        run(new Date(2026, 10, 23, 23, 59).toISOString(), [7, 70], 2),
        run(new Date(2026, 8, 1).toISOString(), [99, 99], 9),
        { ...run(new Date(2026, 10, 24).toISOString(), [0, 0], 0), reconciliation: null },
      ],
      7,
      now,
    );
    expect(days.map((d) => d.day)).toEqual(['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25']);
    expect(days.at(-1)).toEqual({ day: '2026-11-25', items: 15, bytes: 1500, failed: 1 });
    expect(days[4]).toEqual({ day: '2026-11-23', items: 7, bytes: 70, failed: 2 });
    expect(days.reduce((n, d) => n + d.items, 0)).toBe(22);
  });
});

describe('wizard step validation', () => {
  const draft = (patch: Partial<Record<string, unknown>> = {}) => ({ name: 'Acme', settings: connectorSettingsSchema.parse(patch) });

  it('uses the contract schema messages and adds what each step requires', () => {
    expect(validateStep('name', { ...draft(), name: '' })).toEqual({ name: 'A connector needs a name.' });
    const bad = draft();
    bad.settings.symphony.podUrl = 'acme.symphony.com';
    const symphony = validateStep('symphony', bad);
    expect(Object.keys(symphony).sort()).toEqual(['symphony.podUrl', 'symphony.privateKeyPath', 'symphony.username']);
    expect(symphony['symphony.podUrl']).toBe('Enter a full address such as https://acme.symphony.com.');
    expect(validateStep('microsoft', draft({ microsoft: { tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-0000000000aa', authMode: 'certificate' } }))).toHaveProperty(['microsoft.certificatePath']);
    const none = draft({ symphony: { podUrl: 'https://acme.symphony.com', username: 'bot', privateKeyPath: '/k.pem' } });
    none.settings.symphony.streamTypes = [];
    expect(validateStep('symphony', none)).toEqual({ 'symphony.streamTypes': 'Choose at least one kind of conversation to archive.' });
    expect(validateStep('microsoft', draft({ microsoft: { tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-0000000000aa' } }))).toEqual({});
    expect(Object.keys(validateStep('microsoft', draft({ microsoft: { tenantId: 't', clientId: 'c' } }))).sort()).toEqual(['microsoft.clientId', 'microsoft.tenantId']);
  });

  it('checks cron expressions, intervals and schedule windows without ever throwing', () => {
    expect(cronProblem('0 2 * * *')).toBeUndefined();
    expect(cronProblem('61 2 * * *')).toMatch(/not valid/);
    expect(cronProblem('')).toMatch(/Enter a cron expression/);
    expect(validateStep('schedule', draft({ schedule: { kind: 'interval', windowStart: '22:00' } }))).toEqual({ 'schedule.windowEnd': 'Give both the start and the end of the window, or neither.' });
    // An emptied "Hours between runs" field: the shared helper gives NaN, the contract names the problem.
    const emptied = draft();
    emptied.settings.schedule.intervalHours = parseNumberText('');
    expect(validateStep('schedule', emptied)).toEqual({ 'schedule.intervalHours': 'Enter the hours between runs, such as 24.' });
    emptied.settings.schedule.intervalHours = parseNumberText('abc');
    expect(validateStep('schedule', emptied)).toEqual({ 'schedule.intervalHours': 'Enter the hours between runs, such as 24.' });
    emptied.settings.schedule.intervalHours = parseNumberText('0');
    expect(validateStep('schedule', emptied)).toEqual({ 'schedule.intervalHours': 'Enter a number of hours above 0, such as 24.' });
    expect(numberText(Number.NaN)).toBe('');
    expect(numberText(parseNumberText(' 1.5 '))).toBe('1.5');
  });

  it('maps core error targets to fields and fields to steps', () => {
    expect(fieldOfTarget('settings.symphony.username')).toBe('symphony.username');
    expect(stepOfField('symphony.username')).toBe('symphony');
    expect(stepOfField('microsoft.folderName')).toBe('mapping');
    expect(stepOfField('microsoft.tenantId')).toBe('microsoft');
    expect(stepOfField('name')).toBe('name');
  });

  it('Content Export: only the transport in use is required, and stray values of the other are not saved', () => {
    const d = draft({ symphony: { podUrl: 'https://acme.symphony.com', source: 'content-export' } });
    expect(Object.keys(validateStep('symphony', d)).sort()).toEqual(['contentExport.host', 'contentExport.hostKeyFingerprint', 'contentExport.privateKeyPath', 'contentExport.username']);
    d.settings.contentExport = { ...d.settings.contentExport, transport: 'folder', localDir: '/exports', passwordRef: 'hunter2' };
    expect(validateStep('symphony', d)).toEqual({});
    const saved = settingsForSave(d.settings);
    expect(saved.contentExport).toMatchObject({ transport: 'folder', localDir: '/exports', passwordRef: '' });
    expect(connectorSettingsSchema.safeParse(saved).success).toBe(true);
    expect(connectorSettingsSchema.safeParse(d.settings).success).toBe(false);
  });
});

describe('reconnection back-off', () => {
  it('waits between half and all of 250 ms doubling up to 5 s, never longer', async () => {
    const { reconnectDelay } = await import('../../renderer/src/state/connection');
    expect(reconnectDelay(0, () => 0)).toBe(125);
    expect(reconnectDelay(0, () => 1)).toBe(250);
    expect(reconnectDelay(3, () => 1)).toBe(2000);
    for (const attempt of [5, 6, 50, 1e6]) {
      expect(reconnectDelay(attempt, () => 1)).toBe(5000);
      expect(reconnectDelay(attempt, () => 0)).toBe(2500);
    }
  });
});

describe('the view the app opens on', () => {
  it('Welcome for a first start or a sandbox, the Monitor once a connector is enabled, Connectors while none is', () => {
    expect(startViewId([], false)).toBe('welcome');
    expect(startViewId(undefined, false)).toBe('welcome');
    fc.assert(
      fc.property(fc.array(fc.record({ enabled: fc.boolean() }), { maxLength: 6 }), fc.boolean(), (connectors, sandbox) => {
        const expected = sandbox || connectors.length === 0 ? 'welcome' : connectors.some((c) => c.enabled) ? 'monitor' : 'connectors';
        expect(startViewId(connectors, sandbox)).toBe(expected);
      }),
    );
  });
});

describe('the wizard state transitions', () => {
  it('a change clears its own message and the check of its step, and only a field typed in gets touched', () => {
    let s: WizardState = { ...initialWizardState(null), checks: { symphony: 'ok', microsoft: 'failed' }, errors: { 'symphony.podUrl': 'bad', name: 'taken' } };
    s = withField(s, 'symphony', 'podUrl', 'https://acme.symphony.com');
    expect(s.checks).toEqual({ symphony: undefined, microsoft: 'failed' });
    expect(s.errors).toEqual({ name: 'taken' });
    expect(s.draft.settings.symphony.podUrl).toBe('https://acme.symphony.com');
    // Leaving a field never typed in (tabbing through) does not touch it.
    expect(withTouched(s, 'symphony.username').touched).toEqual({});
    s = withTouched(s, 'symphony.podUrl');
    expect(s.touched).toEqual({ 'symphony.podUrl': true });
    expect(withName(s, 'Acme').errors).toEqual({});
  });

  it('shows a live message only for a field typed in and left, and Next-pressed messages as they are', () => {
    const typed = withField(initialWizardState(null), 'symphony', 'podUrl', 'acme.symphony.com');
    expect(shownErrors(typed, 'symphony', {})).toEqual({});
    const left = withTouched(typed, 'symphony.podUrl');
    expect(Object.keys(shownErrors(left, 'symphony', {}))).toEqual(['symphony.podUrl']);
    expect(shownErrors({ ...left, errors: { 'symphony.podUrl': 'from Next' } }, 'symphony', {})).toEqual({ 'symphony.podUrl': 'from Next' });
  });

  it('moves only to steps reached, and a failed save goes back to an earlier step the core named, never forward', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -2, max: 7 }), fc.constantFrom('name', 'settings.symphony.podUrl', 'settings.schedule.cron', undefined), (at, to, target) => {
        let s = initialWizardState(null);
        for (let i = 0; i < at; i++) s = advanced(s, 'name');
        expect(s.stepIndex).toBe(at);
        expect(movedTo(s, to).stepIndex).toBe(to >= 0 && to <= at ? to : at);
        const failed = saveFailed(s, new ArchiverError({ code: 'invalid-input', message: 'no', target }));
        const steps: Record<string, number> = { name: 0, 'settings.symphony.podUrl': 1, 'settings.schedule.cron': 4 };
        const named = steps[target ?? ''] ?? at;
        expect(failed.stepIndex).toBe(Math.min(named, at));
        expect(failed.saving).toBe(false);
      }),
    );
  });

  it('Finish names the first step that does not pass', () => {
    const s = initialWizardState(null);
    expect(firstInvalidStep(s.draft, {})).toMatchObject({ stepIndex: 0, errors: { name: 'A connector needs a name.' } });
    expect(firstInvalidStep({ ...s.draft, name: 'Acme' }, {})?.stepIndex).toBe(1);
    expect(firstInvalidStep({ ...s.draft, name: 'Acme' }, { takenNames: ['ACME'] })?.stepIndex).toBe(0);
  });
});
