import { useState } from 'react';
import type { AppInfo } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useAction } from '../../components/useAction';
import { useApi } from '../../state/api-context';

/**
 * "Try it with a sandbox" (and, inside one, "Leave the sandbox"). The desktop app restarts itself on
 * a fresh sandbox folder (`app.relaunch`, electron/shell/relaunch.ts). A browser host cannot: it
 * serves one data folder for as long as it runs, so the dialog says how to start `npm run demo`.
 */
export function TrySandbox({ info }: { info: AppInfo }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const relaunch = useAction(() => api.invoke('app.relaunch', { sandbox: !info.sandbox }));
  const desktop = info.host === 'electron';
  const close = () => {
    setOpen(false);
    relaunch.clear();
  };
  const restarting = relaunch.result?.relaunching === true;
  const label = info.sandbox ? 'Leave the sandbox' : 'Try it with a sandbox';
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="try-sandbox">
        {label}
      </Button>
      <Dialog
        open={open}
        title={info.sandbox ? 'Leave the sandbox' : desktop ? 'Restart on a sandbox?' : 'Try it with a sandbox'}
        onClose={close}
        actions={
          desktop ? (
            <>
              <Button autoFocus onClick={close} disabled={restarting}>
                Cancel
              </Button>
              <Button variant="primary" busy={relaunch.busy || restarting} onClick={() => void relaunch.run()}>
                {info.sandbox ? 'Restart on my archive' : 'Restart on a sandbox'}
              </Button>
            </>
          ) : (
            <Button autoFocus onClick={close}>
              Close
            </Button>
          )
        }
      >
        {desktop ? <DesktopText sandbox={info.sandbox} restarting={restarting} /> : <BrowserText sandbox={info.sandbox} dataDir={info.dataDir} />}
        {relaunch.error && <ErrorNotice error={relaunch.error} />}
      </Dialog>
    </>
  );
}

function DesktopText({ sandbox, restarting }: { sandbox: boolean; restarting: boolean }) {
  if (restarting) return <p role="status">Restarting…</p>;
  return sandbox ? (
    <p>The app restarts on your archive&apos;s own data folder. The sandbox&apos;s pod, tenant and runs are gone then; a new sandbox starts fresh.</p>
  ) : (
    <>
      <p>
        The app restarts on a fresh sandbox folder: an emulated Symphony trading floor and Microsoft 365 tenant on this computer, with a connector already set up. Press{' '}
        <em>Run now</em> in Monitor and look at what lands in each mailbox.
      </p>
      <p>
        Your archive&apos;s data folder is not touched and nothing reaches a real pod or mailbox. A run in progress stops as on any quit and continues on the next start. Come
        back with <em>Leave the sandbox</em> on this screen.
      </p>
    </>
  );
}

function BrowserText({ sandbox, dataDir }: { sandbox: boolean; dataDir: string }) {
  return sandbox ? (
    <p>
      This sandbox runs for as long as its <code>npm run demo</code> does: stop it with Ctrl+C in its terminal. Start your archive with <code>npm run serve</code>; the sandbox
      never uses its data folder.
    </p>
  ) : (
    <>
      <p>
        This page is served by a host running on the data folder <code>{dataDir}</code>, which it keeps for as long as it runs: it cannot become a sandbox. Start the sandbox
        beside it, in a terminal in the archiver&apos;s folder:
      </p>
      <pre tabIndex={0} aria-label="Command: start the sandbox">
        npm run demo
      </pre>
      <p>
        It starts on a fresh folder of its own (never this one) with an emulated Symphony trading floor and Microsoft 365 tenant, on port 8171, and prints the address to open.
        Nothing it does reaches this archive, a real pod or a mailbox.
      </p>
    </>
  );
}
