/**
 * Contract violations seen by the emulators in this process: a request the published description
 * of its endpoint refuses, or an answer the emulator sent that the description does not allow.
 * The setup file `guard.setup.ts` fails the test during which one was recorded, so an emulator
 * can neither accept what the real service refuses nor teach the client a shape it never sends.
 */
export interface ContractViolation {
  service: 'symphony' | 'graph';
  direction: 'request' | 'response';
  /** `METHOD /path` as received, and the description's operation it matched. */
  call: string;
  operation: string;
  status?: number;
  problems: string[];
  /** The emulator that saw it (tests that send wrong requests on purpose take their own). */
  source: object;
}

// One list per process, shared even if this module were loaded twice (vitest inlines test files).
const KEY = Symbol.for('symphony-archiver.contract-violations');
const registry = ((globalThis as Record<symbol, ContractViolation[]>)[KEY] ??= []);

export function reportViolation(violation: ContractViolation): void {
  registry.push(violation);
}

/** Removes and returns the violations recorded so far (of one emulator, or all of them). */
export function takeViolations(source?: object): ContractViolation[] {
  const taken: ContractViolation[] = [];
  for (let i = registry.length - 1; i >= 0; i--) {
    if (source === undefined || registry[i]!.source === source) taken.unshift(...registry.splice(i, 1));
  }
  return taken;
}

/** Throws, naming each one, if any violation was recorded; what the setup file runs after each test. */
export function assertNoViolations(): void {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(describeViolations(violations));
}

export function describeViolations(violations: readonly ContractViolation[]): string {
  const lines = violations.slice(0, 20).map((v) => `- ${v.service} ${v.direction} ${v.call} (${v.operation}${v.status ? `, HTTP ${v.status}` : ''}): ${v.problems.join('; ')}`);
  if (violations.length > 20) lines.push(`- … and ${violations.length - 20} more`);
  return `The emulators saw ${violations.length} contract violation(s) against the published API descriptions:\n${lines.join('\n')}`;
}
