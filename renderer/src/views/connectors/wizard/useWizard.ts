import { useCallback, useMemo, useState } from 'react';
import { connectorSettingsSchema, type Connector, type ConnectorSettings } from '../../../../../shared/contract';
import type { ArchiverError } from '../../../../../shared/errors';
import type { FieldErrors } from '../../../components/validate';
import { toArchiverError, useApi, useCall } from '../../../state/api-context';
import { selectConnector } from '../selection';
import { fieldOfTarget, settingsForSave, stepOfField, validateStep, wizardSteps, type StepId, type WizardDraft } from './steps';

type Section = keyof ConnectorSettings;

/** Outcome of a step's live check (connection test, sign-in), as the step list and Next see it. */
export type CheckOutcome = 'ok' | 'failed';

export interface WizardState {
  connectorId: string | null;
  /** Steps passed with Next (validated); only these get the ✓, and only without a failed check. */
  passed: Partial<Record<StepId, true>>;
  checks: Partial<Record<StepId, CheckOutcome>>;
  /** Fields the officer has typed in. */
  dirty: Record<string, true>;
  /** Fields the officer has typed in and left: their messages show live from then on. */
  touched: Record<string, true>;
  /** Next was pressed on a step whose check failed: the officer is asked before going on. */
  confirmSkip: StepId | null;
  stepIndex: number;
  /** The furthest step reached; steps up to it can be revisited directly. */
  reached: number;
  draft: WizardDraft;
  errors: FieldErrors;
  saveError: ArchiverError | null;
  saving: boolean;
}

/**
 * The setup wizard's state. A new connector lives in this draft until Finish; only a check that
 * needs the core (connection test, sign-in) saves it, as a disabled, unscheduled draft that
 * Cancel deletes again. An existing connector is saved step by step as the officer moves on.
 */
export function useWizard(initial: Connector | null, onDone: (connector: Connector) => void) {
  const api = useApi();
  const isNew = initial === null;
  const creating = isNew || !initial.settings.schedule.enabled;
  const [state, setState] = useState<WizardState>(() => ({
    connectorId: initial?.id ?? null,
    passed: initial ? Object.fromEntries(wizardSteps.map((w) => [w.id, true])) : {},
    checks: {},
    dirty: {},
    touched: {},
    confirmSkip: null,
    stepIndex: 0,
    reached: initial ? wizardSteps.length - 1 : 0,
    draft: { name: initial?.name ?? '', settings: initial?.settings ?? connectorSettingsSchema.parse({}) },
    errors: {},
    saveError: null,
    saving: false,
  }));
  const step: StepId = wizardSteps[state.stepIndex]!.id;
  const list = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  const takenNames = useMemo(
    () => (list.state === 'ready' ? list.value.filter((c) => c.id !== state.connectorId).map((c) => c.name) : []),
    [list, state.connectorId],
  );
  const context = useMemo(() => ({ takenNames }), [takenNames]);

  const setName = useCallback((name: string) => setState((s) => ({ ...s, draft: { ...s.draft, name }, dirty: { ...s.dirty, name: true }, errors: without(s.errors, 'name') })), []);
  const setField = useCallback(<S extends Section, K extends keyof ConnectorSettings[S]>(section: S, key: K, value: ConnectorSettings[S][K]) => {
    setState((s) => {
      // A check of the connection says nothing about settings changed after it.
      const step = stepOfField(`${section}.${String(key)}`);
      const checks = step && s.checks[step] ? { ...s.checks, [step]: undefined } : s.checks;
      return {
        ...s,
        checks,
        dirty: { ...s.dirty, [`${section}.${String(key)}`]: true },
        draft: { ...s.draft, settings: { ...s.draft.settings, [section]: { ...s.draft.settings[section], [key]: value } } },
        errors: without(s.errors, `${section}.${String(key)}`),
      };
    });
  }, []);

  // Focus leaving a field the officer never typed in (autofocus moving on, tabbing through) is not a touch.
  const touch = useCallback((field: string) => setState((s) => (s.touched[field] || !s.dirty[field] ? s : { ...s, touched: { ...s.touched, [field]: true } })), []);
  const setCheck = useCallback((step: StepId, outcome: CheckOutcome | undefined) => setState((s) => ({ ...s, checks: { ...s.checks, [step]: outcome } })), []);

  /** Marks a field with a message from a check (e.g. the connection test names the field at fault). */
  const setFieldError = useCallback((target: string | undefined, message: string) => {
    const field = fieldOfTarget(target);
    if (field) setState((s) => ({ ...s, errors: { ...s.errors, [field]: message } }));
  }, []);

  /**
   * Saves the draft (a new connector is created disabled on its first save and enabled by Finish);
   * returns the connector id or null on failure.
   */
  const persist = useCallback(
    async (final = false): Promise<string | null> => {
      const { draft, connectorId } = state;
      setState((s) => ({ ...s, saving: true, saveError: null }));
      try {
        const clean = settingsForSave(draft.settings);
        const settings = creating && !final ? { ...clean, schedule: { ...clean.schedule, enabled: false } } : clean;
        const enabled = isNew ? final : undefined;
        let connector: Connector;
        if (connectorId === null) {
          connector = await api.invoke('connectors.create', { name: draft.name, settings, ...(enabled === undefined ? {} : { enabled }) });
          if (final) selectConnector(connector.id);
        } else {
          connector = await api.invoke('connectors.update', { id: connectorId, name: draft.name, settings, ...(enabled === undefined ? {} : { enabled }) });
        }
        setState((s) => ({ ...s, connectorId: connector.id, saving: false }));
        if (final) onDone(connector);
        return connector.id;
      } catch (e) {
        const error = toArchiverError(e);
        const field = error.code === 'invalid-input' || error.code === 'conflict' ? fieldOfTarget(error.target) : undefined;
        setState((s) => {
          const back = field ? wizardSteps.findIndex((w) => w.id === stepOfField(field)) : -1;
          return {
            ...s,
            saving: false,
            saveError: error,
            errors: field ? { ...s.errors, [field]: error.message } : s.errors,
            stepIndex: back >= 0 && back < s.stepIndex ? back : s.stepIndex,
          };
        });
        return null;
      }
    },
    [api, creating, isNew, onDone, state],
  );

  const validate = useCallback((): boolean => {
    const errors = validateStep(step, state.draft, context);
    setState((s) => ({ ...s, errors }));
    return Object.keys(errors).length === 0;
  }, [context, state.draft, step]);

  /** Next: validates the step; after a failed check asks first (see confirmSkip). */
  const next = useCallback(
    async (options: { skipFailedCheck?: boolean } = {}) => {
      if (!validate()) return;
      if (state.checks[step] === 'failed' && !options.skipFailedCheck) {
        setState((s) => ({ ...s, confirmSkip: step }));
        return;
      }
      // A new connector is only saved once it exists for a check; an existing one step by step.
      if ((!isNew || state.connectorId !== null) && (await persist(false)) === null) return;
      setState((s) => {
        const stepIndex = Math.min(s.stepIndex + 1, wizardSteps.length - 1);
        return { ...s, stepIndex, reached: Math.max(s.reached, stepIndex), errors: {}, confirmSkip: null, passed: { ...s.passed, [step]: true } };
      });
    },
    [isNew, persist, state.checks, state.connectorId, step, validate],
  );
  const cancelSkip = useCallback(() => setState((s) => ({ ...s, confirmSkip: null })), []);

  /** Cancel: a new connector's draft, if a check saved one, is deleted again. */
  const cancel = useCallback(async (): Promise<boolean> => {
    if (!isNew || state.connectorId === null) return true;
    try {
      await api.invoke('connectors.delete', { id: state.connectorId });
      return true;
    } catch (e) {
      setState((s) => ({ ...s, saveError: toArchiverError(e) }));
      return false;
    }
  }, [api, isNew, state.connectorId]);

  const back = useCallback(() => setState((s) => ({ ...s, stepIndex: Math.max(0, s.stepIndex - 1), errors: {}, saveError: null })), []);
  const goTo = useCallback((index: number) => setState((s) => (index <= s.reached ? { ...s, stepIndex: index, errors: {}, saveError: null } : s)), []);

  const finish = useCallback(async () => {
    for (const [index, { id }] of wizardSteps.entries()) {
      const errors = validateStep(id, state.draft, context);
      if (Object.keys(errors).length > 0) {
        setState((s) => ({ ...s, stepIndex: index, errors }));
        return;
      }
    }
    await persist(true);
  }, [context, persist, state.draft]);

  // Messages of fields the officer has left show live; the others only once Next was pressed.
  const visibleErrors = useMemo(() => {
    const live = validateStep(step, state.draft, context);
    const shown: FieldErrors = { ...state.errors };
    for (const [field, message] of Object.entries(live)) if (state.touched[field] && !(field in shown)) shown[field] = message;
    return shown;
  }, [context, state.draft, state.errors, state.touched, step]);
  const view = useMemo(() => ({ ...state, errors: visibleErrors }), [state, visibleErrors]);

  return { state: view, submitErrors: state.errors, step, isNew, setName, setField, setFieldError, touch, setCheck, next, cancelSkip, cancel, back, goTo, finish, persist, validate };
}

export type Wizard = ReturnType<typeof useWizard>;

function without(errors: FieldErrors, key: string): FieldErrors {
  if (!(key in errors)) return errors;
  const copy = { ...errors };
  delete copy[key];
  return copy;
}
