// Client-side pacing of IAM calls for requests that make hundreds of them (bulk invitations,
// enforcement): IAM throttles per account, and a throttled call is a call spent for nothing. The
// rate adapts as the SDK's adaptive retry mode does (additive increase on success, halving on
// Throttling), so the calls stay just under whatever rate IAM allows at the moment. Calls start
// evenly spaced, in the order they asked; a call whose turn would come after the deadline is
// not made at all.

export interface PacerOptions {
  /** Calls per second to start with. */
  initialRate?: number;
  minRate?: number;
  maxRate?: number;
  /** Added to the rate after each call IAM did not throttle. */
  increase?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class Pacer {
  private rate: number;
  private readonly minRate: number;
  private readonly maxRate: number;
  private readonly increase: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** When the next call may start (epoch ms). */
  private next = 0;

  constructor(options: PacerOptions = {}) {
    this.rate = options.initialRate ?? 10;
    this.minRate = options.minRate ?? 1;
    this.maxRate = options.maxRate ?? 50;
    this.increase = options.increase ?? 0.25;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  }

  /** Waits for this call's turn; false (and no turn taken) if it would come after `deadline`. */
  async acquire(deadline: number): Promise<boolean> {
    const now = this.now();
    const at = Math.max(now, this.next);
    if (at > deadline) return false;
    this.next = at + 1000 / this.rate;
    if (at > now) await this.sleep(at - now);
    return true;
  }

  /** IAM answered without throttling. */
  succeeded(): void {
    this.rate = Math.min(this.maxRate, this.rate + this.increase);
  }

  /** IAM throttled a call: slow down, spacing the calls not yet scheduled further apart. */
  throttled(): void {
    const slower = Math.max(this.minRate, this.rate / 2);
    this.next += 1000 / slower - 1000 / this.rate;
    this.rate = slower;
  }

  /** Calls per second now (for logs and the bench). */
  get callsPerSecond(): number {
    return this.rate;
  }
}
