import type { Connector } from '../../../shared/contract';

/**
 * The view the app opens on when the address names none. The Welcome screen is for a first start:
 * no connector yet, or a sandbox (its Welcome says what to do first). A configured app opens where
 * the daily work is: the Monitor once a connector is enabled, the Connectors view while every
 * connector is still a draft or switched off (Continue setup, Enable). Welcome stays Ctrl+1.
 */
export function startViewId(connectors: readonly Pick<Connector, 'enabled'>[] | undefined, sandbox: boolean): 'welcome' | 'connectors' | 'monitor' {
  // Connectors that could not be listed: Welcome, which shows the error and the ways on.
  if (sandbox || !connectors || connectors.length === 0) return 'welcome';
  return connectors.some((c) => c.enabled) ? 'monitor' : 'connectors';
}
