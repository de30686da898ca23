export { SymphonyEmulator, type SymphonyEmulatorOptions, type EmulatorCounters } from './server';
export { PodState, attachmentSha256, attachmentChunks, normaliseId, toStandard, type PodOptions, type EmStream, type EmMessage, type EmUser } from './model';
export type { FaultKind, FaultOptions } from './faults';
