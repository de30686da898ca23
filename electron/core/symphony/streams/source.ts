import { symphonySettingsSchema, type SymphonySettings } from '../../../../shared/contract/capture';
import type { CaptureSource } from '../source';
import { testConnection } from '../test-connection';
import { captureStreams } from './capture';

/** Member streams: /agent/v4 reads of every conversation the service account belongs to. */
export const streamsSource = {
  id: 'streams',
  label: 'member streams',
  settingsKey: 'symphony',
  settingsSchema: symphonySettingsSchema,
  testConnection: (ctx) => testConnection(ctx.settings, { clock: ctx.clock, logger: ctx.logger }),
  capture: captureStreams,
} satisfies CaptureSource<SymphonySettings>;
