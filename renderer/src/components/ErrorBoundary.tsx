import { Component, type ErrorInfo, type ReactNode } from 'react';
import './components.css';

export interface ErrorBoundaryProps {
  /** What failed, in the officer's words ("the Connectors view"). */
  where: string;
  /** Logs the failure (the app log, through the contract); must not throw. */
  onError?: (where: string, error: Error, info: ErrorInfo) => void;
  children: ReactNode;
}

interface State {
  error: Error | null;
  /** Bumped by "Reload view": remounts the children with fresh state. */
  generation: number;
}

/**
 * Catches what a view throws while rendering, so one broken view never blanks the app: the
 * shell stays, the officer reads what broke and can reload just that view. React only offers
 * this as a class component (getDerivedStateFromError / componentDidCatch).
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, State> {
  override state: State = { error: null, generation: 0 };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    try {
      this.props.onError?.(this.props.where, error, info);
    } catch {
      // Logging is best effort; the fallback below is what matters to the officer.
    }
  }

  private reload = () => this.setState((s) => ({ error: null, generation: s.generation + 1 }));

  override render() {
    const { error, generation } = this.state;
    if (!error) return <ErrorBoundaryGeneration key={generation}>{this.props.children}</ErrorBoundaryGeneration>;
    return (
      <section className="view crash" role="alert" aria-labelledby="crash-title" data-testid="view-crash">
        <h1 id="crash-title">Something went wrong in {this.props.where}</h1>
        <p className="lead">
          Nothing was lost: what was saved stays saved, and runs go on in the background. The error was written to the application log.
        </p>
        <p className="crash-message">
          <strong>What broke: </strong>
          <code>{error.message || error.name}</code>
        </p>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={this.reload}>
            Reload view
          </button>
        </div>
      </section>
    );
  }
}

function ErrorBoundaryGeneration({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
