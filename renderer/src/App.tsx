import { useMemo } from 'react';
import { Shell } from './shell/Shell';
import { ApiProvider } from './state/api-context';
import { createApi } from './transport';

export function App() {
  const api = useMemo(() => createApi(), []);
  return (
    <ApiProvider api={api}>
      <Shell />
    </ApiProvider>
  );
}
