import { useCallback, useState } from 'react';
import { connectorSettingsSchema, type Connector, type ConnectorSettings } from '../../../../../shared/contract';
import type { ArchiverError } from '../../../../../shared/errors';
import type { FieldErrors } from '../../../components/validate';
import { toArchiverError, useApi } from '../../../state/api-context';
import { selectConnector } from '../selection';
import { fieldOfTarget, settingsForSave, stepOfField, validateStep, wizardSteps, type StepId, type WizardDraft } from './steps';

type Section = keyof ConnectorSettings;

export interface WizardState {
  connectorId: string | null;
  stepIndex: number;
  /** The furthest step reached; steps up to it can be revisited directly. */
  reached: number;
  draft: WizardDraft;
  errors: FieldErrors;
  saveError: ArchiverError | null;
  saving: boolean;
}

/**
 * The setup wizard's state. The connector is created when the name step is passed (sign-in and the
 * connection test need it), and each step is saved when the officer moves on. A connector being set
 * up stays unscheduled until Finish, so no run starts half configured.
 */
export function useWizard(initial: Connector | null, onDone: (connector: Connector) => void) {
  const api = useApi();
  const creating = initial === null || !initial.settings.schedule.enabled;
  const [state, setState] = useState<WizardState>(() => ({
    connectorId: initial?.id ?? null,
    stepIndex: 0,
    reached: initial ? wizardSteps.length - 1 : 0,
    draft: { name: initial?.name ?? '', settings: initial?.settings ?? connectorSettingsSchema.parse({}) },
    errors: {},
    saveError: null,
    saving: false,
  }));
  const step: StepId = wizardSteps[state.stepIndex]!.id;

  const setName = useCallback((name: string) => setState((s) => ({ ...s, draft: { ...s.draft, name }, errors: without(s.errors, 'name') })), []);
  const setField = useCallback(<S extends Section, K extends keyof ConnectorSettings[S]>(section: S, key: K, value: ConnectorSettings[S][K]) => {
    setState((s) => ({
      ...s,
      draft: { ...s.draft, settings: { ...s.draft.settings, [section]: { ...s.draft.settings[section], [key]: value } } },
      errors: without(s.errors, `${section}.${String(key)}`),
    }));
  }, []);

  /** Marks a field with a message from a check (e.g. the connection test names the field at fault). */
  const setFieldError = useCallback((target: string | undefined, message: string) => {
    const field = fieldOfTarget(target);
    if (field) setState((s) => ({ ...s, errors: { ...s.errors, [field]: message } }));
  }, []);

  /** Saves the draft (creating the connector on first save); returns the connector id or null on failure. */
  const persist = useCallback(
    async (final = false): Promise<string | null> => {
      const { draft, connectorId } = state;
      setState((s) => ({ ...s, saving: true, saveError: null }));
      try {
        const clean = settingsForSave(draft.settings);
        const settings = creating && !final ? { ...clean, schedule: { ...clean.schedule, enabled: false } } : clean;
        let connector: Connector;
        if (connectorId === null) {
          connector = await api.invoke('connectors.create', { name: draft.name, settings });
          selectConnector(connector.id);
        } else {
          connector = await api.invoke('connectors.update', { id: connectorId, name: draft.name, settings });
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
    [api, creating, onDone, state],
  );

  const validate = useCallback((): boolean => {
    const errors = validateStep(step, state.draft);
    setState((s) => ({ ...s, errors }));
    return Object.keys(errors).length === 0;
  }, [state.draft, step]);

  const next = useCallback(async () => {
    if (!validate()) return;
    if ((await persist(false)) === null) return;
    setState((s) => {
      const stepIndex = Math.min(s.stepIndex + 1, wizardSteps.length - 1);
      return { ...s, stepIndex, reached: Math.max(s.reached, stepIndex), errors: {} };
    });
  }, [persist, validate]);

  const back = useCallback(() => setState((s) => ({ ...s, stepIndex: Math.max(0, s.stepIndex - 1), errors: {}, saveError: null })), []);
  const goTo = useCallback((index: number) => setState((s) => (index <= s.reached ? { ...s, stepIndex: index, errors: {}, saveError: null } : s)), []);

  const finish = useCallback(async () => {
    for (const [index, { id }] of wizardSteps.entries()) {
      const errors = validateStep(id, state.draft);
      if (Object.keys(errors).length > 0) {
        setState((s) => ({ ...s, stepIndex: index, errors }));
        return;
      }
    }
    await persist(true);
  }, [persist, state.draft]);

  return { state, step, setName, setField, setFieldError, next, back, goTo, finish, persist, validate };
}

export type Wizard = ReturnType<typeof useWizard>;

function without(errors: FieldErrors, key: string): FieldErrors {
  if (!(key in errors)) return errors;
  const copy = { ...errors };
  delete copy[key];
  return copy;
}
