import { useMemo } from 'react';
import type { ArchiverApi } from '../../../../../shared/contract';
import { useApi } from '../../../state/api-context';

/** The checks the wizard runs against the real services (through the core). */
export function useChecks() {
  const api = useApi();
  return useMemo(() => checks(api), [api]);
}

function checks(api: ArchiverApi) {
  return {
    testConnection: (connectorId: string) => api.invoke('capture.testConnection', { connectorId }),
    signIn: (connectorId: string) => api.invoke('auth.signIn', { connectorId }),
    signOut: (connectorId: string) => api.invoke('auth.signOut', { connectorId }),
    authStatus: (connectorId: string) => api.invoke('auth.status', { connectorId }),
    checkPermissions: (connectorId: string, mailboxes?: string[]) => api.invoke('import.checkPermissions', { connectorId, ...(mailboxes?.length ? { mailboxes } : {}) }),
  };
}
