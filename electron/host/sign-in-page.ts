import type { OpenBrowser } from '../core/graph/auth/msal';
import type { EventBus } from '../core/platform/events';

/**
 * The browser host's way to show Microsoft's sign-in page: it cannot open a browser on the officer's
 * machine, so it asks the connected page to, with the `auth.signInPage` event.
 */
export function signInThroughPage(events: () => EventBus): OpenBrowser {
  return async (url) => {
    events().emit('auth.signInPage', { url });
  };
}
