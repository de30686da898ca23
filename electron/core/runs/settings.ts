import { runSettingsSchema } from '../../../shared/contract';
import type { SettingsDocument } from '../store/repos/settings';

/** The run settings' document in `app_settings` (retention, attempts, start at login). */
export const RUN_SETTINGS: SettingsDocument<typeof runSettingsSchema> = { key: 'runs', schema: runSettingsSchema };
