import { connectorSettingsSchema, type Connector, type ConnectorSettings } from '../../../../../shared/contract';
import type { ArchiverError } from '../../../../../shared/errors';
import type { FieldErrors } from '../../../components/validate';
import { fieldOfTarget, stepOfField, validateStep, wizardSteps, type StepId, type WizardDraft } from './steps';

/**
 * The wizard's state and its transitions, as plain functions of the state: the hook
 * (`useWizard`) only wires them to React and to the core.
 */

export type Section = keyof ConnectorSettings;

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

/** A new connector starts empty on step 1; an existing one has every step passed and reachable. */
export function initialWizardState(initial: Connector | null): WizardState {
  return {
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
  };
}

export function withName(s: WizardState, name: string): WizardState {
  return { ...s, draft: { ...s.draft, name }, dirty: { ...s.dirty, name: true }, errors: without(s.errors, 'name') };
}

export function withField<S extends Section, K extends keyof ConnectorSettings[S]>(s: WizardState, section: S, key: K, value: ConnectorSettings[S][K]): WizardState {
  const field = `${section}.${String(key)}`;
  // A check of the connection says nothing about settings changed after it.
  const step = stepOfField(field);
  const checks = step && s.checks[step] ? { ...s.checks, [step]: undefined } : s.checks;
  return {
    ...s,
    checks,
    dirty: { ...s.dirty, [field]: true },
    draft: { ...s.draft, settings: { ...s.draft.settings, [section]: { ...s.draft.settings[section], [key]: value } } },
    errors: without(s.errors, field),
  };
}

/** Focus leaving a field the officer never typed in (autofocus moving on, tabbing through) is not a touch. */
export function withTouched(s: WizardState, field: string): WizardState {
  return s.touched[field] || !s.dirty[field] ? s : { ...s, touched: { ...s.touched, [field]: true } };
}

/** A check's message on the field it names (e.g. the connection test names the field at fault). */
export function withFieldError(s: WizardState, target: string | undefined, message: string): WizardState {
  const field = fieldOfTarget(target);
  return field ? { ...s, errors: { ...s.errors, [field]: message } } : s;
}

/** A failed save: its message, on the field the core named, and back to that field's step if it is an earlier one. */
export function saveFailed(s: WizardState, error: ArchiverError): WizardState {
  const field = error.code === 'invalid-input' || error.code === 'conflict' ? fieldOfTarget(error.target) : undefined;
  const back = field ? wizardSteps.findIndex((w) => w.id === stepOfField(field)) : -1;
  return {
    ...s,
    saving: false,
    saveError: error,
    errors: field ? { ...s.errors, [field]: error.message } : s.errors,
    stepIndex: back >= 0 && back < s.stepIndex ? back : s.stepIndex,
  };
}

/** Next went through: the step is passed, the following one shown. */
export function advanced(s: WizardState, step: StepId): WizardState {
  const stepIndex = Math.min(s.stepIndex + 1, wizardSteps.length - 1);
  return { ...s, stepIndex, reached: Math.max(s.reached, stepIndex), errors: {}, confirmSkip: null, passed: { ...s.passed, [step]: true } };
}

/** Back one step, or directly to a step already reached. */
export function movedTo(s: WizardState, index: number): WizardState {
  return index >= 0 && index <= s.reached ? { ...s, stepIndex: index, errors: {}, saveError: null } : s;
}

/** Finish: the first step whose values do not pass, with its messages; null when all pass. */
export function firstInvalidStep(draft: WizardDraft, context: { takenNames?: readonly string[] }): { stepIndex: number; errors: FieldErrors } | null {
  for (const [stepIndex, { id }] of wizardSteps.entries()) {
    const errors = validateStep(id, draft, context);
    if (Object.keys(errors).length > 0) return { stepIndex, errors };
  }
  return null;
}

/** Messages of fields the officer has left show live; the others only once Next was pressed. */
export function shownErrors(s: WizardState, step: StepId, context: { takenNames?: readonly string[] }): FieldErrors {
  const live = validateStep(step, s.draft, context);
  const shown: FieldErrors = { ...s.errors };
  for (const [field, message] of Object.entries(live)) if (s.touched[field] && !(field in shown)) shown[field] = message;
  return shown;
}

function without(errors: FieldErrors, key: string): FieldErrors {
  if (!(key in errors)) return errors;
  const copy = { ...errors };
  delete copy[key];
  return copy;
}
