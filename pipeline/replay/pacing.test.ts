import { describe, expect, it } from 'vitest';
import { EventTimeScheduler, Pacer, TokenBucket, formatProgress } from './pacing.ts';

/** Drives a pacer like the replay loop does: wait until the returned time, then send. */
function drive(next: (now: number) => number, n: number, start = 0): number[] {
  let now = start;
  const sends: number[] = [];
  for (let i = 0; i < n; i++) {
    now = Math.max(now, next(now));
    sends.push(now);
  }
  return sends;
}

describe('TokenBucket', () => {
  it('spaces 50/s at 20 ms', () => {
    const b = new TokenBucket(50);
    expect(drive((t) => b.reserve(t), 5, 1000)).toEqual([1000, 1020, 1040, 1060, 1080]);
  });
  it('allows a burst after idling, then the steady rate', () => {
    const b = new TokenBucket(10, 3);
    expect(drive((t) => b.reserve(t), 5, 0)).toEqual([0, 0, 0, 100, 200]);
  });
  it('does not bank tokens beyond the burst while idle', () => {
    const b = new TokenBucket(10, 2);
    drive((t) => b.reserve(t), 2, 0);
    expect(drive((t) => b.reserve(t), 4, 10_000)).toEqual([10_000, 10_000, 10_100, 10_200]);
  });
  it('sustains the rate over a long run', () => {
    const b = new TokenBucket(50);
    const sends = drive((t) => b.reserve(t), 501, 0);
    expect(sends[500] - sends[0]).toBe(10_000);
  });
  it('rejects a non-positive rate', () => expect(() => new TokenBucket(0)).toThrow(/rate must be > 0/));
});

describe('EventTimeScheduler', () => {
  it('maps event time to wall time at speed x', () => {
    const s = new EventTimeScheduler(60);
    expect(s.due(1_000_000, 5_000)).toBe(5_000);
    expect(s.due(1_000_000 + 60_000, 5_000)).toBe(6_000); // one event minute = one wall second
    expect(s.due(1_000_000 + 600_000, 6_000)).toBe(15_000);
  });
  it('sends out-of-order events at once', () => {
    const s = new EventTimeScheduler(1);
    s.due(100_000, 0);
    expect(s.due(50_000, 10)).toBe(10);
  });
  it('cuts a long gap to maxIdle and keeps pace after it', () => {
    const s = new EventTimeScheduler(1, 2_000);
    expect(s.due(0, 0)).toBe(0);
    expect(s.due(3 * 86_400_000, 0)).toBe(2_000);
    expect(s.due(3 * 86_400_000 + 500, 2_000)).toBe(2_500);
  });
});

describe('Pacer', () => {
  it('rate only', () => {
    const p = new Pacer({ rate: 4 });
    expect(drive((t) => p.next(0, t), 3)).toEqual([0, 250, 500]);
  });
  it('the slower of rate and event time wins', () => {
    const p = new Pacer({ rate: 2, speed: 10 });
    const events = [0, 1_000, 2_000, 60_000];
    let i = 0;
    expect(drive((t) => p.next(events[i++], t), 4)).toEqual([0, 500, 1000, 6000]);
  });
  it('no limits sends immediately', () => {
    const p = new Pacer({});
    expect(drive((t) => p.next(123, t), 3, 7)).toEqual([7, 7, 7]);
  });
});

describe('formatProgress', () => {
  it('shows rate, ETA and counts', () => {
    expect(formatProgress({ sent: 500, rejected: 2, skipped: 0, elapsedMs: 10_000, total: 3500 })).toBe(
      'sent 500/3500 50.0/s ETA 1m00s rejected 2 elapsed 10s',
    );
  });
});
