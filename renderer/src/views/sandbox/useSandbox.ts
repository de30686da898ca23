import { useCallback, useState } from 'react';
import type { SandboxControl, SandboxState } from '../../../../shared/contract';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';

/** The sandbox tenant's state, one open mailbox, and the controls; the view only renders. */
export function useSandbox() {
  const api = useApi();
  const [tick, setTick] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const state = useCall('sandbox.state', {}, { deps: [tick], refreshOn: ['runs.changed'] });
  const mailbox = useCall('sandbox.mailbox', { userPrincipalName: open ?? '-' }, { deps: [tick, open], refreshOn: ['runs.changed'] });
  const control = useAction(async (c: SandboxControl): Promise<SandboxState> => {
    const next = await api.invoke('sandbox.control', c);
    setTick((t) => t + 1);
    return next;
  });
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { state, mailbox: open ? mailbox : undefined, open, setOpen, control, refresh };
}
