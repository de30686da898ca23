import { useCallback, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import type { ArchiverApi, Connector, ConnectorSettings } from '../../../../../shared/contract';
import { toArchiverError, useApi, useCall } from '../../../state/api-context';
import { selectConnector } from '../selection';
import { settingsForSave, validateStep, wizardSteps, type StepId, type WizardDraft } from './steps';
import {
  advanced,
  firstInvalidStep,
  initialWizardState,
  movedTo,
  saveFailed,
  shownErrors,
  withField,
  withFieldError,
  withName,
  withTouched,
  type CheckOutcome,
  type Section,
  type WizardState,
} from './wizardState';

export type { CheckOutcome, WizardState } from './wizardState';

/**
 * The setup wizard's state. A new connector lives in this draft until Finish; only a check that
 * needs the core (connection test, sign-in) saves it, as a disabled, unscheduled draft that
 * Cancel deletes again. An existing connector is saved step by step as the officer moves on.
 */
export function useWizard(initial: Connector | null, onDone: (connector: Connector) => void) {
  const api = useApi();
  const isNew = initial === null;
  const creating = isNew || !initial.settings.schedule.enabled;
  const [state, setState] = useState<WizardState>(() => initialWizardState(initial));
  const step: StepId = wizardSteps[state.stepIndex]!.id;
  const context = useTakenNames(state.connectorId);
  const edits = useEdits(setState);

  /**
   * Saves the draft (a new connector is created disabled on its first save and enabled by Finish);
   * returns the connector id or null on failure.
   */
  const persist = useCallback(
    async (final = false): Promise<string | null> => {
      setState((s) => ({ ...s, saving: true, saveError: null }));
      try {
        const connector = await saveConnector(api, state.draft, state.connectorId, { final, creating, isNew });
        setState((s) => ({ ...s, connectorId: connector.id, saving: false }));
        if (final) onDone(connector);
        return connector.id;
      } catch (e) {
        setState((s) => saveFailed(s, toArchiverError(e)));
        return null;
      }
    },
    [api, creating, isNew, onDone, state.draft, state.connectorId],
  );

  const validate = useCallback((): boolean => {
    const errors = validateStep(step, state.draft, context);
    setState((s) => ({ ...s, errors }));
    return Object.keys(errors).length === 0;
  }, [context, state.draft, step]);

  /** A check that needs the core: validates the step, saves the draft, then runs on the saved connector (null if either failed). */
  const forCheck = useCallback(
    async <T>(check: (connectorId: string) => Promise<T>): Promise<T | null> => {
      if (!validate()) return null;
      const id = await persist();
      return id === null ? null : check(id);
    },
    [persist, validate],
  );

  /** Next: validates the step; after a failed check asks first (see confirmSkip). */
  const next = useCallback(
    async (options: { skipFailedCheck?: boolean } = {}) => {
      if (!validate()) return;
      if (state.checks[step] === 'failed' && !options.skipFailedCheck) return setState((s) => ({ ...s, confirmSkip: step }));
      // A new connector is only saved once it exists for a check; an existing one step by step.
      if ((!isNew || state.connectorId !== null) && (await persist(false)) === null) return;
      setState((s) => advanced(s, step));
    },
    [isNew, persist, state.checks, state.connectorId, step, validate],
  );

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

  const finish = useCallback(async () => {
    const invalid = firstInvalidStep(state.draft, context);
    if (invalid) return setState((s) => ({ ...s, ...invalid }));
    await persist(true);
  }, [context, persist, state.draft]);

  const view = useMemo(() => ({ ...state, errors: shownErrors(state, step, context) }), [context, state, step]);
  return { state: view, submitErrors: state.errors, step, isNew, ...edits, next, cancel, finish, forCheck };
}

export type Wizard = ReturnType<typeof useWizard>;

/** Names of the other connectors, which this one's name must not repeat. */
function useTakenNames(connectorId: string | null): { takenNames: string[] } {
  const list = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  const takenNames = useMemo(() => (list.state === 'ready' ? list.value.filter((c) => c.id !== connectorId).map((c) => c.name) : []), [list, connectorId]);
  return useMemo(() => ({ takenNames }), [takenNames]);
}

/** The officer's edits and moves, each one state transition. */
function useEdits(setState: Dispatch<SetStateAction<WizardState>>) {
  return useMemo(
    () => ({
      setName: (name: string) => setState((s) => withName(s, name)),
      setField: <S extends Section, K extends keyof ConnectorSettings[S]>(section: S, key: K, value: ConnectorSettings[S][K]) => setState((s) => withField(s, section, key, value)),
      touch: (field: string) => setState((s) => withTouched(s, field)),
      setCheck: (step: StepId, outcome: CheckOutcome | undefined) => setState((s) => ({ ...s, checks: { ...s.checks, [step]: outcome } })),
      setFieldError: (target: string | undefined, message: string) => setState((s) => withFieldError(s, target, message)),
      cancelSkip: () => setState((s) => ({ ...s, confirmSkip: null })),
      back: () => setState((s) => movedTo(s, Math.max(0, s.stepIndex - 1))),
      goTo: (index: number) => setState((s) => movedTo(s, index)),
    }),
    [setState],
  );
}

/** Creates or updates the connector from the draft; a new one stays disabled and unscheduled until Finish. */
async function saveConnector(api: ArchiverApi, draft: WizardDraft, connectorId: string | null, how: { final: boolean; creating: boolean; isNew: boolean }): Promise<Connector> {
  const clean = settingsForSave(draft.settings);
  const settings = how.creating && !how.final ? { ...clean, schedule: { ...clean.schedule, enabled: false } } : clean;
  const enabled = how.isNew ? { enabled: how.final } : {};
  if (connectorId !== null) return api.invoke('connectors.update', { id: connectorId, name: draft.name, settings, ...enabled });
  const connector = await api.invoke('connectors.create', { name: draft.name, settings, ...enabled });
  if (how.final) selectConnector(connector.id);
  return connector;
}
