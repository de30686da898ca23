import { useEffect, useState } from 'react';
import type { AuthStatus } from '../../../../../shared/contract';
import { useAction } from '../../../components/useAction';
import { notifyAuthChanged } from '../selection';
import { useChecks } from './useChecks';
import type { Wizard } from './useWizard';

/**
 * The Microsoft 365 step's checks: the sign-in state of the saved connector, sign-in and sign-out
 * (announced to the status bar), and the permission check of the mailboxes typed in `mailboxes`.
 */
export function useMicrosoftChecks(wizard: Wizard, mailboxes: string) {
  const { connectorId } = wizard.state;
  const checks = useChecks();
  const [status, setStatus] = useState<AuthStatus | null>(null);

  useEffect(() => {
    if (!connectorId) return;
    let live = true;
    checks.authStatus(connectorId).then((s) => live && setStatus(s), () => undefined);
    return () => {
      live = false;
    };
  }, [checks, connectorId]);

  const signIn = useAction(async () => {
    try {
      const s = await wizard.forCheck((id) => checks.signIn(id));
      if (s) {
        setStatus(s);
        wizard.setCheck('microsoft', s.signedIn ? 'ok' : 'failed');
      }
      notifyAuthChanged();
      return s;
    } catch (e) {
      wizard.setCheck('microsoft', 'failed');
      throw e;
    }
  });
  const signOut = useAction(async () => {
    const s = connectorId ? await checks.signOut(connectorId) : null;
    if (s) setStatus(s);
    notifyAuthChanged();
    return s;
  });
  const permissions = useAction(() => wizard.forCheck((id) => checks.checkPermissions(id, addressList(mailboxes))));
  return { status, signIn, signOut, permissions };
}

/** "a@x.com, b@x.com; c@x.com" → the addresses. */
function addressList(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
