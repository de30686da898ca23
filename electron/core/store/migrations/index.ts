import type { Migration } from '../migrate';
import { migration0001 } from './0001_foundation';
import { migration0005 } from './0005_runs';
import { migration0002 } from './0002_capture';
import { migration0003 } from './0003_import';
import { migration0004 } from './0004_mapping';
import { migration0006 } from './0006_content_export';
import { migration0007 } from './0007_datahose';
import { migration0012 } from './0012_import_methods';
import { migration0013 } from './0013_run_slots';
import { migration0014 } from './0014_capture_gaps';
import { migration0015 } from './0015_delivery_gaps';
import { migration0016 } from './0016_unknown_outcomes';
import { migration0017 } from './0017_outcome_reasons';
import { migration0018 } from './0018_run_reasons';

/**
 * Every schema step, in order. Forward-only: a released migration is never edited, a new
 * number is added instead. Each domain owns its own files (see docs/ARCHITECTURE.md).
 */
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0012, migration0013, migration0014, migration0015, migration0016, migration0017, migration0018];
