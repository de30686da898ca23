import type { Answers } from './answers';
import type { DatahoseOptions, DatahoseService } from './datahose';
import type { EmulatorCounters, Exchange } from './exchange';
import type { FaultOptions, FaultPlan } from './faults';
import type { EmUser, PodOptions, PodState } from './model';

export interface SymphonyEmulatorOptions extends PodOptions {
  faults?: FaultOptions;
  /** Session and key-manager token lifetime (ms). */
  sessionTtlMs?: number;
  /**
   * How /agent/v4 treats a stream the service account is not a member of (FACTS.md leaves it
   * unconfirmed): 403, an empty 204, or serve it anyway.
   */
  nonMemberRead?: 'forbidden' | 'empty' | 'allow';
  /** Agent calls need the keyManagerToken header (older agents; newer ones accept without). */
  requireKeyManagerToken?: boolean;
  /** `expire` faults spare sessions younger than this (ms). */
  minSessionAgeToExpireMs?: number;
  /** Added to every answer, as a network and a busy pod would. */
  latencyMs?: number;
  /** Largest accepted JWT lifetime (Symphony: 5 minutes). */
  maxJwtLifetimeSeconds?: number;
  /** POST /agent/v5/events/read: entitlement, where new feeds start, batch size, re-delivery. */
  datahose?: DatahoseOptions;
}

/** Which of the three services on the emulator's port a path belongs to (their error shapes differ). */
export type Api = 'pod' | 'agent' | 'login';

export interface Session {
  user: EmUser;
  kind: 'session' | 'keyManager';
  issuedAt: number;
  expiresAt: number;
}

/** The emulator as the routes see it (SymphonyEmulator implements it). */
export interface RoutedEmulator {
  readonly pod: PodState;
  readonly options: SymphonyEmulatorOptions;
  readonly counters: EmulatorCounters;
  readonly faults: FaultPlan;
  readonly datahose: DatahoseService;
  readonly answers: Answers;
  /** Streams whose member list the admin API refuses, with the status. */
  readonly membershipRefusals: ReadonlyMap<string, 400 | 403 | 500>;
}

/** One request in flight, with the pod it reached. */
export interface Ctx extends Exchange {
  emulator: RoutedEmulator;
  params: string[];
  api: Api;
  session?: Session;
}
