import { useMemo } from 'react';
import type { ArchiverApi } from '../../../../../shared/contract';
import { useApi } from '../../../state/api-context';

export interface ConnectionTestResult {
  /** One sentence for the officer: who the account is and what it can see. */
  summary: string;
}

/** The checks the wizard runs against the real services (through the core). */
export function useChecks() {
  const api = useApi();
  return useMemo(() => checks(api), [api]);
}

function checks(api: ArchiverApi) {
  return {
    async testConnection(connectorId: string): Promise<ConnectionTestResult> {
      // 'capture.testConnection' is being added to the contract by the capture work; until it lands
      // the core answers "unknown call", which the step shows like any other failure.
      const invoke = api.invoke as unknown as (name: string, input: unknown) => Promise<unknown>;
      const value = (await invoke('capture.testConnection', { connectorId })) as Record<string, unknown>;
      return { summary: describeConnection(value) };
    },
    signIn: (connectorId: string) => api.invoke('auth.signIn', { connectorId }),
    signOut: (connectorId: string) => api.invoke('auth.signOut', { connectorId }),
    authStatus: (connectorId: string) => api.invoke('auth.status', { connectorId }),
    checkPermissions: (connectorId: string, mailboxes?: string[]) => api.invoke('import.checkPermissions', { connectorId, ...(mailboxes?.length ? { mailboxes } : {}) }),
  };
}

function describeConnection(value: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof value.displayName === 'string') parts.push(`Signed in as ${value.displayName}`);
  else if (typeof value.username === 'string') parts.push(`Signed in as ${value.username}`);
  if (typeof value.podVersion === 'string') parts.push(`pod version ${value.podVersion}`);
  if (typeof value.streams === 'number') parts.push(`${value.streams} conversations visible`);
  return parts.length ? parts.join(', ') + '.' : 'The pod, agent and key manager answered and the service account signed in.';
}
