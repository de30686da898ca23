import { useMemo } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Shell } from './shell/Shell';
import { ApiProvider } from './state/api-context';
import { createApi } from './transport';

export function App() {
  const { api, connection } = useMemo(() => createApi(), []);
  const logError = (where: string, error: Error) => {
    console.error(`UI error in ${where}`, error);
    void api.invoke('app.logUiError', { where, message: error.message.slice(0, 2000), stack: error.stack?.slice(0, 20_000) }).catch(() => undefined);
  };
  // The root boundary catches what the shell itself throws; each view has its own inside the shell.
  return (
    <ErrorBoundary where="the app" onError={logError}>
      <ApiProvider api={api} connection={connection}>
        <Shell onViewError={logError} />
      </ApiProvider>
    </ErrorBoundary>
  );
}
