import './components.css';
import { useId, useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { numberText, parseNumberText } from './form';

interface FieldFrameProps {
  label: string;
  hint?: ReactNode;
  error?: string;
  /** Shown under the field when the value is accepted but deserves a second look. */
  warning?: string;
  children: (ids: { input: string; describedBy: string | undefined }) => ReactNode;
}

/** Label, control, hint and error wired together for screen readers (aria-describedby, aria-invalid). */
function FieldFrame({ label, hint, error, warning, children }: FieldFrameProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const warningId = warning && !error ? `${id}-warning` : undefined;
  const describedBy = [errorId, warningId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={`${id}-input`}>{label}</label>
      {children({ input: `${id}-input`, describedBy })}
      {error && (
        <div id={errorId} className="field-error" role="alert">
          {error}
        </div>
      )}
      {warningId && (
        <div id={warningId} className="field-warning" data-testid="field-warning">
          {warning}
        </div>
      )}
      {hint && (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      )}
    </div>
  );
}

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  warning?: string;
}

export function TextField({ label, value, onChange, hint, error, warning, ...rest }: TextFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} warning={warning}>
      {({ input, describedBy }) => (
        <input
          {...rest}
          id={input}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FieldFrame>
  );
}

export interface NumberFieldProps extends Omit<TextFieldProps, 'value' | 'onChange' | 'type'> {
  value: number;
  /** Gets NaN while the field is empty or not a number; the schema's message then marks it. */
  onChange: (value: number) => void;
}

/**
 * A number typed as text and parsed by the shared form helper: emptying it or typing half a
 * number never throws and never snaps back; the draft holds NaN and validation names the problem.
 */
export function NumberField({ value, onChange, ...rest }: NumberFieldProps) {
  const [text, setText] = useState(() => numberText(value));
  // A value changed from outside (another step, a reload) replaces what is shown.
  const shown = Object.is(parseNumberText(text), value) || (Number.isNaN(value) && Number.isNaN(parseNumberText(text))) ? text : numberText(value);
  return (
    <TextField
      {...rest}
      inputMode="decimal"
      value={shown}
      onChange={(next) => {
        setText(next);
        onChange(parseNumberText(next));
      }}
    />
  );
}

export interface SelectFieldProps<T extends string> extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  hint?: ReactNode;
  error?: string;
}

export function SelectField<T extends string>({ label, value, options, onChange, hint, error, ...rest }: SelectFieldProps<T>) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {({ input, describedBy }) => (
        <select {...rest} id={input} value={value} aria-invalid={error ? true : undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value as T)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

export interface RadioGroupProps<T extends string> {
  legend: string;
  name: string;
  value: T;
  options: readonly { value: T; label: string; hint?: string }[];
  onChange: (value: T) => void;
}

/** Native radios in a fieldset: arrow keys move between them, the legend is announced. */
export function RadioGroup<T extends string>({ legend, name, value, options, onChange }: RadioGroupProps<T>) {
  const id = useId();
  return (
    <fieldset className="radio-group">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="radio" htmlFor={`${id}-${o.value}`}>
          <input id={`${id}-${o.value}`} type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
          <span>
            {o.label}
            {o.hint && <span className="field-hint"> — {o.hint}</span>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function Checkbox({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  const id = useId();
  return (
    <div className="field checkbox">
      <label htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
        {label}
      </label>
      {hint && (
        <div id={`${id}-hint`} className="field-hint">
          {hint}
        </div>
      )}
    </div>
  );
}
