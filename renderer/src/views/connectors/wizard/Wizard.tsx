import { useEffect, useRef } from 'react';
import type { Connector } from '../../../../../shared/contract';
import { Button } from '../../../components/Button';
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

/** The connector setup, one step at a time; Enter moves on, every step saves. */
export function Wizard({ connector, onDone, onCancel }: { connector: Connector | null; onDone: (connector: Connector) => void; onCancel: () => void }) {
  const wizard = useWizard(connector, onDone);
  const { state, step } = wizard;
  const StepView = stepViews[step];
  const heading = useRef<HTMLHeadingElement>(null);
  const last = state.stepIndex === wizardSteps.length - 1;

  // Moving to a step puts the focus on its title, so screen readers announce where the officer is.
  useEffect(() => heading.current?.focus(), [state.stepIndex]);

  return (
    <section className="wizard" aria-labelledby="wizard-title">
      <h1 id="wizard-title">{connector ? `Set up ${connector.name}` : 'New connector'}</h1>
      <nav aria-label="Setup steps">
        <ol className="wizard-steps">
          {wizardSteps.map((s, i) => (
            <li key={s.id} className={i === state.stepIndex ? 'current' : i < state.stepIndex ? 'done' : ''}>
              <button onClick={() => wizard.goTo(i)} disabled={i > state.reached} aria-current={i === state.stepIndex ? 'step' : undefined}>
                <span className="wizard-step-number" aria-hidden="true">
                  {i < state.stepIndex ? '✓' : i + 1}
                </span>
                {s.title}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <form
        className="wizard-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void (last ? wizard.finish() : wizard.next());
        }}
      >
        <h2 ref={heading} tabIndex={-1} data-testid="wizard-step">
          Step {state.stepIndex + 1} of {wizardSteps.length}: {wizardSteps[state.stepIndex]!.title}
        </h2>
        <StepView wizard={wizard} />
        {state.saveError && !Object.keys(state.errors).length && <ErrorNotice error={state.saveError} title="The settings were not saved" />}
        {Object.keys(state.errors).length > 0 && (
          <p className="error-text" role="alert" data-testid="wizard-errors">
            Correct the {Object.keys(state.errors).length === 1 ? 'highlighted field' : `${Object.keys(state.errors).length} highlighted fields`} to go on.
          </p>
        )}
        <div className="wizard-footer">
          <Button onClick={onCancel}>{state.connectorId ? 'Close' : 'Cancel'}</Button>
          <span className="spacer" />
          <Button onClick={wizard.back} disabled={state.stepIndex === 0}>
            Back
          </Button>
          <Button type="submit" variant="primary" busy={state.saving}>
            {last ? 'Finish' : 'Next'}
          </Button>
        </div>
      </form>
    </section>
  );
}
