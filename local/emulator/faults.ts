// Fault injection for benchmarks and reliability tests: added latency, a token-bucket throttle
// (global and per action) answering Throttling/400/"Rate exceeded" as IAM does
// (docs/iam-facts.md §6), a rate of ServiceFailure 500s, dropped connections, and scripted
// one-off faults ("the next EnableMFADevice succeeds but its response is lost").

import { AwsError, serviceFailure, throttling } from './errors.ts';

export interface BucketConfig {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size; defaults to ratePerSecond (one second of burst). */
  burst?: number;
}

/** A fault applied to the next `count` calls of `action` (or of any action, without one). */
export interface ScriptedFault {
  action?: string;
  count?: number;
  /** Matching calls let through untouched before the fault applies ("the 3rd GetUser"). */
  skip?: number;
  /**
   * `error`: answer with the given code and status without doing the work.
   * `drop-before`: close the connection without doing the work.
   * `drop-after`: do the work, then close the connection (a lost response).
   */
  fault: 'error' | 'drop-before' | 'drop-after';
  code?: string;
  status?: number;
  message?: string;
}

export interface FaultConfig {
  /** Added to every call, in milliseconds. */
  latencyMs?: number;
  /** Extra per-action latency, added to latencyMs. */
  actionLatencyMs?: Record<string, number>;
  /** One bucket shared by all actions. */
  throttle?: BucketConfig | null;
  /** A bucket per named action, checked after the global one. */
  actionThrottle?: Record<string, BucketConfig>;
  /** Fraction (0–1) of calls answered with ServiceFailure 500. */
  failureRate?: number;
  /** Fraction (0–1) of calls whose connection is dropped before any work is done. */
  dropRate?: number;
  scripted?: ScriptedFault[];
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; error: AwsError }
  | { kind: 'drop-before' }
  | { kind: 'drop-after' };

export class FaultInjector {
  private config: FaultConfig = {};
  private globalBucket?: TokenBucket;
  private actionBuckets = new Map<string, TokenBucket>();
  private scripted: ScriptedFault[] = [];

  constructor(
    config: FaultConfig = {},
    private readonly random: () => number = Math.random,
  ) {
    this.configure(config);
  }

  /** Replaces the whole configuration (buckets start full). */
  configure(config: FaultConfig): void {
    this.config = { ...config };
    const now = Date.now();
    this.globalBucket = config.throttle
      ? new TokenBucket(
          config.throttle.ratePerSecond,
          config.throttle.burst ?? config.throttle.ratePerSecond,
          now,
        )
      : undefined;
    this.actionBuckets = new Map(
      Object.entries(config.actionThrottle ?? {}).map(([action, b]) => [
        action,
        new TokenBucket(b.ratePerSecond, b.burst ?? b.ratePerSecond, now),
      ]),
    );
    this.scripted = (config.scripted ?? []).map((f) => ({ ...f, count: f.count ?? 1 }));
  }

  current(): FaultConfig {
    return { ...this.config, scripted: this.scripted.map((f) => ({ ...f })) };
  }

  latencyFor(action: string): number {
    return (this.config.latencyMs ?? 0) + (this.config.actionLatencyMs?.[action] ?? 0);
  }

  /** Decides the fate of one call. Scripted faults win, then throttling, then random faults. */
  decide(action: string): FaultDecision {
    const scripted = this.takeScripted(action);
    if (scripted) {
      if (scripted.fault === 'error') {
        const status = scripted.status ?? 500;
        const code = scripted.code ?? 'ServiceFailure';
        return {
          kind: 'error',
          error: new AwsError(code, status, scripted.message ?? defaultMessage(code)),
        };
      }
      return { kind: scripted.fault };
    }
    const now = Date.now();
    if (this.globalBucket && !this.globalBucket.take(now))
      return { kind: 'error', error: throttling() };
    const bucket = this.actionBuckets.get(action);
    if (bucket && !bucket.take(now)) return { kind: 'error', error: throttling() };
    if ((this.config.dropRate ?? 0) > 0 && this.random() < (this.config.dropRate ?? 0)) {
      return { kind: 'drop-before' };
    }
    if ((this.config.failureRate ?? 0) > 0 && this.random() < (this.config.failureRate ?? 0)) {
      return { kind: 'error', error: serviceFailure() };
    }
    return { kind: 'none' };
  }

  private takeScripted(action: string): ScriptedFault | undefined {
    const index = this.scripted.findIndex((f) => f.action === undefined || f.action === action);
    if (index === -1) return undefined;
    const fault = this.scripted[index] as ScriptedFault;
    if ((fault.skip ?? 0) > 0) {
      fault.skip = (fault.skip ?? 0) - 1;
      return undefined;
    }
    fault.count = (fault.count ?? 1) - 1;
    if (fault.count <= 0) this.scripted.splice(index, 1);
    return fault;
  }
}

function defaultMessage(code: string): string {
  switch (code) {
    case 'Throttling':
      return 'Rate exceeded';
    case 'ServiceFailure':
      return 'Service encountered an internal error.';
    case 'EntityTemporarilyUnmodifiable':
      return 'The entity is temporarily unmodifiable. Please retry later.';
    case 'ConcurrentModification':
      return 'Rate of requests exceeds the allowed rate for this operation. Please retry.';
    default:
      return code;
  }
}

/**
 * How each call ended, per action: `OK`, the error code answered (injected or not), or
 * `ConnectionDropped` when no work was done. A lost response (work done, then dropped) is `OK`.
 * Tells tests what IAM really did, e.g. how many EnableMFADevice calls checked wrong codes.
 */
export class OutcomeCounter {
  private counts = new Map<string, Map<string, number>>();
  record(action: string, outcome: string): void {
    const byOutcome = this.counts.get(action) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.counts.set(action, byOutcome);
  }
  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries(
      [...this.counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([action, byOutcome]) => [action, Object.fromEntries(byOutcome)]),
    );
  }
  reset(): void {
    this.counts.clear();
  }
}

/** Calls received per action, including those answered with an injected fault. */
export class CallCounter {
  private counts = new Map<string, number>();
  record(action: string): void {
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  }
  snapshot(): { total: number; byAction: Record<string, number> } {
    const byAction = Object.fromEntries(
      [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)),
    );
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return { total, byAction };
  }
  reset(): void {
    this.counts.clear();
  }
}
