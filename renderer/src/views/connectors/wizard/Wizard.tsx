import { useEffect, useRef, type FocusEvent, type PointerEvent } from 'react';
import type { Connector } from '../../../../../shared/contract';
import { Button } from '../../../components/Button';
import { ConfirmDialog } from '../../../components/Dialog';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { MicrosoftStep } from './MicrosoftStep';
import { ReviewStep } from './ReviewStep';
import { MappingStep, NameStep, ScheduleStep } from './SimpleSteps';
import { SymphonyStep } from './SymphonyStep';
import { wizardSteps } from './steps';
import { useWizard, type Wizard as WizardModel } from './useWizard';
import './wizard.css';

const stepViews = {
  name: NameStep,
  symphony: SymphonyStep,
  microsoft: MicrosoftStep,
  mapping: MappingStep,
  schedule: ScheduleStep,
  review: ReviewStep,
} satisfies Record<string, (props: { wizard: WizardModel }) => React.ReactNode>;

/** The connector setup, one step at a time; Enter moves on. */
export function Wizard({ connector, onDone, onCancel }: { connector: Connector | null; onDone: (connector: Connector) => void; onCancel: () => void }) {
  const wizard = useWizard(connector, onDone);
  const { state, step } = wizard;
  const StepView = stepViews[step];
  const heading = useRef<HTMLHeadingElement>(null);
  const touchOnLeave = useTouchOnLeave(wizard.touch);
  const last = state.stepIndex === wizardSteps.length - 1;
  const submitErrors = Object.keys(wizard.submitErrors).length;
  const cancel = async () => {
    if (await wizard.cancel()) onCancel();
  };

  // Moving to a step puts the focus on its title, so screen readers announce where the officer is.
  useEffect(() => heading.current?.focus(), [state.stepIndex]);

  return (
    <section className="wizard" aria-labelledby="wizard-title">
      <h1 id="wizard-title">{connector ? `Set up ${connector.name}` : 'New connector'}</h1>
      <StepList wizard={wizard} />
      <form
        className="wizard-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void (last ? wizard.finish() : wizard.next());
        }}
        {...touchOnLeave}
      >
        <h2 ref={heading} tabIndex={-1} data-testid="wizard-step">
          Step {state.stepIndex + 1} of {wizardSteps.length}: {wizardSteps[state.stepIndex]!.title}
        </h2>
        <StepView wizard={wizard} />
        {state.saveError && !submitErrors && <ErrorNotice error={state.saveError} title="The settings were not saved" />}
        {submitErrors > 0 && (
          <p className="error-text" role="alert" data-testid="wizard-errors">
            Correct the {submitErrors === 1 ? 'highlighted field' : `${submitErrors} highlighted fields`} to go on.
          </p>
        )}
        <div className="wizard-footer">
          <Button onClick={() => void cancel()}>{wizard.isNew ? 'Cancel' : 'Close'}</Button>
          <span className="spacer" />
          <Button onClick={wizard.back} disabled={state.stepIndex === 0}>
            Back
          </Button>
          <Button type="submit" variant="primary" busy={state.saving}>
            {last ? 'Finish' : 'Next'}
          </Button>
        </div>
      </form>
      <ConfirmSkip wizard={wizard} />
    </section>
  );
}

/** The steps, each a button back to it once reached: ✓ when passed without a failed check, ! after a failed one. */
function StepList({ wizard: { state, goTo } }: { wizard: WizardModel }) {
  return (
    <nav aria-label="Setup steps">
      <ol className="wizard-steps">
        {wizardSteps.map((s, i) => {
          const mark = i === state.stepIndex ? 'current' : state.checks[s.id] === 'failed' ? 'failed' : state.passed[s.id] ? 'done' : '';
          return (
            <li key={s.id} className={mark} data-step={s.id}>
              <button type="button" onClick={() => goTo(i)} disabled={i > state.reached} aria-current={i === state.stepIndex ? 'step' : undefined}>
                <span className="wizard-step-number" aria-hidden="true">
                  {mark === 'done' ? '✓' : mark === 'failed' ? '!' : i + 1}
                </span>
                {s.title}
                {mark === 'done' && <span className="sr-only"> (done)</span>}
                {mark === 'failed' && <span className="sr-only"> (check failed)</span>}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * Leaving a field marks it touched: its message shows from then on, not before. Not when the
 * pointer is pressed on a button: the message would push the button away under the pointer, and
 * the button (Next, Test connection) validates the step anyway.
 */
function useTouchOnLeave(touch: (field: string) => void) {
  const pressingButton = useRef(false);
  return {
    onPointerDown: (e: PointerEvent) => {
      pressingButton.current = (e.target as Element).closest('button') !== null;
    },
    onPointerUp: () => {
      pressingButton.current = false;
    },
    onBlur: (e: FocusEvent) => {
      if (pressingButton.current) return;
      const name = (e.target as unknown as { name?: unknown }).name;
      if (typeof name === 'string' && name) touch(name);
    },
  };
}

/** Next after a failed check asks before going on. */
function ConfirmSkip({ wizard }: { wizard: WizardModel }) {
  const { confirmSkip } = wizard.state;
  return (
    <ConfirmDialog
      open={confirmSkip !== null}
      title="Continue without a working connection?"
      confirmLabel="Continue anyway"
      onConfirm={() => void wizard.next({ skipFailedCheck: true })}
      onCancel={wizard.cancelSkip}
    >
      <p>
        The last {confirmSkip === 'microsoft' ? 'sign-in to Microsoft 365' : 'connection test'} failed. You can finish the setup now and fix it later, but no
        run will succeed until it works.
      </p>
    </ConfirmDialog>
  );
}
