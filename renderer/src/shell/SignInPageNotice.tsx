import { useCallback, useState } from 'react';
import { useEvent } from '../state/api-context';

/**
 * In the browser host the core cannot open a browser, so it sends Microsoft's sign-in address
 * here. The page offers it as a link (a new tab a click opens is never blocked as a pop-up);
 * the sign-in finishes by itself once the officer has signed in there.
 */
export function SignInPageNotice() {
  const [url, setUrl] = useState<string>();
  useEvent('auth.signInPage', useCallback(({ url: next }: { url: string }) => setUrl(next), []));
  if (!url) return null;
  return (
    <div className="sign-in-notice" role="alert" data-testid="sign-in-notice">
      <span>Microsoft 365 sign-in is waiting for you.</span>
      <a href={url} target="_blank" rel="noopener noreferrer" onClick={() => setUrl(undefined)}>
        Open the Microsoft sign-in page
      </a>
      <button className="secondary" onClick={() => setUrl(undefined)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
