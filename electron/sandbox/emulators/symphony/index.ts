export { SymphonyEmulator, type SymphonyEmulatorOptions, type EmulatorCounters } from './server';
export { PodState, attachmentSha256, attachmentChunks, normaliseId, toStandard, type PodOptions, type EmStream, type EmMessage, type EmUser, type EmEvent } from './model';
export { DatahoseService, type DatahoseOptions } from './datahose';
export type { FaultKind, FaultOptions } from './faults';
