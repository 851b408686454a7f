// The pacer that spaces the IAM calls of batch routes (functions/aws/pacer.ts), on a fake clock:
// calls start evenly spaced in the order they asked, faster after successes, half as fast after
// a throttle, and a call whose turn would come after the deadline is not made.

import { describe, expect, it } from 'vitest';
import { Pacer } from '../../functions/aws/pacer.ts';

function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('the pacer', () => {
  it('starts calls 1/rate apart, in the order they asked', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ initialRate: 10, increase: 0, ...clock });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await pacer.acquire(10_000)).toBe(true);
      starts.push(clock.now());
    }
    expect(starts).toEqual([0, 100, 200, 300, 400]);
  });

  it('speeds up by `increase` per success, up to maxRate, and halves on a throttle, down to minRate', () => {
    const pacer = new Pacer({ initialRate: 10, increase: 1, maxRate: 12, minRate: 4 });
    for (let i = 0; i < 5; i++) pacer.succeeded();
    expect(pacer.callsPerSecond).toBe(12);
    pacer.throttled();
    expect(pacer.callsPerSecond).toBe(6);
    pacer.throttled();
    pacer.throttled();
    expect(pacer.callsPerSecond).toBe(4);
  });

  it('spaces the calls after a throttle further apart', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ initialRate: 10, increase: 0, ...clock });
    await pacer.acquire(10_000); // at 0; the next at 100
    pacer.throttled(); // 5/s: the next at 200
    await pacer.acquire(10_000);
    expect(clock.now()).toBe(200);
  });

  it('refuses a turn that would come after the deadline, and keeps it for a later call', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ initialRate: 10, increase: 0, ...clock });
    expect(await pacer.acquire(150)).toBe(true); // 0
    expect(await pacer.acquire(150)).toBe(true); // 100
    expect(await pacer.acquire(150)).toBe(false); // 200 > 150
    expect(clock.now()).toBe(100);
    expect(await pacer.acquire(10_000)).toBe(true);
    expect(clock.now()).toBe(200);
  });
});
