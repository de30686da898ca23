import type { Connector } from '../../../../shared/contract';
import type { Stages } from '../stages';
import { realCaptureStage } from './capture-stage';
import { realConvertStage } from './convert-stage';
import { realImportStage } from './import-stage';
import { realMapStage } from './map-stage';
import { stageParts, type RealStageDeps } from './parts';

export type { RealStageDeps } from './parts';

/**
 * The pipeline's stages over the real domains, one adapter per stage: capture (symphony/,
 * capture-stage.ts), convert (convert/, convert-stage.ts), mapping (mapping/, map-stage.ts) and
 * import (graph/ + deliver/, import-stage.ts). Only glue lives in the adapters; each domain keeps
 * its own rules. They share one set of parts (parts.ts): the page being planned, the e-mails
 * planning converted and the repositories.
 */
export function createRealStages(deps: RealStageDeps, connector: Connector): Stages {
  const parts = stageParts(deps, connector);
  const capture = realCaptureStage(parts);
  return { capture, convert: realConvertStage(parts), map: realMapStage(parts), import: realImportStage(parts, capture) };
}
