import { packageInfo } from '../platform/package-root';

/** One version for the app, the hosts and the logs. */
export const APP_VERSION: string = packageInfo().version;
