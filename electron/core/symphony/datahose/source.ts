import { symphonySettingsSchema, type SymphonySettings } from '../../../../shared/contract/capture';
import { DatahoseRepository } from '../../store/repos/datahose';
import type { CaptureSource } from '../source';
import { testConnection } from '../test-connection';
import { captureDatahose, type DatahoseSummary } from './capture';
import { datahoseTag } from './feed';

/** Datahose: POST /agent/v5/events/read, every conversation of the pod from the feed's start. */
export const datahoseSource = {
  id: 'datahose',
  label: 'Datahose',
  settingsKey: 'symphony',
  settingsSchema: symphonySettingsSchema,
  testConnection: (ctx) => {
    // The probe reads with the connector's own feed and the ackId the next capture sends anyway (probe.ts).
    const datahose = { tag: datahoseTag(ctx.connector.id), ackId: new DatahoseRepository(ctx.store).feed(ctx.connector.id)?.ackId ?? '' };
    return testConnection(ctx.settings, { clock: ctx.clock, logger: ctx.logger, datahose });
  },
  capture: captureDatahose,
} satisfies CaptureSource<SymphonySettings, DatahoseSummary>;
