import type { Migration } from '../migrate';
import { migration0001 } from './0001_foundation';

/**
 * Every schema step, in order. Forward-only: a released migration is never edited, a new
 * number is added instead. Each domain owns its own files (see docs/ARCHITECTURE.md).
 */
export const migrations: readonly Migration[] = [migration0001];
