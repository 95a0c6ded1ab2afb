import { describe, expect, it } from 'vitest';
import { MINUTE_MS, MinuteWindow, minuteKey, referenceMinuteCounts, type MinuteCount } from './window.ts';
import { HAS_DATA, NO_DATA_REASON, boundedShuffle, realPassages } from './testdata.ts';

const T0 = Date.UTC(2023, 11, 8, 16, 0); // 2023-12-09 00:00 Beijing
const ev = (gcxh: string, checkpoint: string, sec: number) => ({ gcxh, checkpoint, eventTime: T0 + sec * 1000 });

function runAll(w: MinuteWindow, input: ReturnType<typeof ev>[]) {
  const closed: MinuteCount[] = [];
  const late: string[] = [];
  for (const p of input) {
    const s = w.observe(p);
    closed.push(...s.closed);
    if (s.late) late.push(s.late.gcxh);
  }
  closed.push(...w.flush());
  return { closed: closed.map((c) => `${c.checkpoint}@${(c.minute - T0) / MINUTE_MS}=${c.count}`), late };
}

describe('MinuteWindow', () => {
  it.each([
    {
      name: 'in order: minutes close once the watermark passes their end',
      ooo: 0,
      input: [ev('1', 'A', 10), ev('2', 'A', 50), ev('3', 'B', 70)],
      closed: ['A@0=2', 'B@0=0', 'A@1=0', 'B@1=1'],
      late: [],
    },
    {
      name: 'out of order within the bound is counted in its minute',
      ooo: 120_000,
      input: [ev('1', 'A', 130), ev('2', 'A', 20), ev('3', 'A', 61)],
      closed: ['A@0=1', 'A@1=1', 'A@2=1'],
      late: [],
    },
    {
      name: 'beyond the bound: late, reported, not counted in the closed minute',
      ooo: 60_000,
      input: [ev('1', 'A', 5), ev('2', 'A', 200), ev('3', 'A', 30)],
      closed: ['A@0=1', 'A@3=1'],
      late: ['3'],
    },
    {
      name: 'a redelivered GCXH inside an open minute counts once',
      ooo: 60_000,
      input: [ev('1', 'A', 5), ev('1', 'A', 5), ev('2', 'A', 6)],
      closed: ['A@0=2'],
      late: [],
    },
    {
      name: 'a live minute gives zeros to silent checkpoints; a minute silent everywhere gives nothing',
      ooo: 0,
      input: [ev('1', 'A', 5), ev('2', 'B', 10), ev('3', 'A', 65), ev('4', 'B', 600)],
      closed: ['A@0=1', 'B@0=1', 'A@1=1', 'B@1=0', 'A@10=0', 'B@10=1'],
      late: [],
    },
  ])('$name', ({ ooo, input, closed, late }) => {
    const w = new MinuteWindow({ outOfOrdernessMs: ooo });
    const got = runAll(w, input);
    expect(got.closed).toEqual(closed);
    expect(got.late).toEqual(late);
    expect(w.stats().late).toBe(late.length);
  });

  it('refuses a negative bound', () => {
    expect(() => new MinuteWindow({ outOfOrdernessMs: -1 })).toThrow(/outOfOrdernessMs/);
  });

  it('late events are kept per checkpoint and minute for correction', () => {
    const w = new MinuteWindow({ outOfOrdernessMs: 0 });
    runAll(w, [ev('1', 'A', 500), ev('2', 'B', 30), ev('3', 'B', 40), ev('4', 'A', 70)]);
    expect(w.lateByMinute().map((c) => `${c.checkpoint}@${(c.minute - T0) / MINUTE_MS}=${c.count}`)).toEqual(['B@0=2', 'A@1=1']);
  });
});

describe.skipIf(!HAS_DATA)(HAS_DATA ? 'MinuteWindow on the real data' : `MinuteWindow on the real data — skipped: ${NO_DATA_REASON}`, () => {
  const data = HAS_DATA ? realPassages() : [];
  const run = (input: typeof data, ooo: number) => {
    const w = new MinuteWindow({ outOfOrdernessMs: ooo });
    const out: MinuteCount[] = [];
    for (const p of input) out.push(...w.observe(p).closed);
    out.push(...w.flush());
    return { w, out };
  };
  const nonZero = (out: MinuteCount[]) => new Map(out.filter((c) => c.count > 0).map((c) => [minuteKey(c.checkpoint, c.minute), c.count]));

  it('under a shuffle bounded by the watermark delay, counts equal the batch reference and nothing is late', () => {
    const { w, out } = run(boundedShuffle(data, 5 * MINUTE_MS, 7), 5 * MINUTE_MS);
    expect(w.stats().late).toBe(0);
    expect(nonZero(out)).toEqual(referenceMinuteCounts(data));
  });

  it('in file order (hundreds of day-long sorted runs) nothing is dropped silently: closed + late = input', () => {
    const { w, out } = run(data, 5 * MINUTE_MS);
    const counted = out.reduce((a, c) => a + c.count, 0);
    const late = w.lateByMinute().reduce((a, c) => a + c.count, 0);
    console.log(`file order, 5 min bound: counted=${counted} late=${late} (${((100 * late) / data.length).toFixed(1)}%)`);
    expect(late).toBe(w.stats().late);
    expect(late).toBeGreaterThan(0);
    expect(counted + late).toBe(data.length);
  });

  it('is deterministic and idempotent: same input, same output; replayed input adds nothing', () => {
    const a = run(data.slice(0, 40_000), 5 * MINUTE_MS).out;
    const b = run(data.slice(0, 40_000), 5 * MINUTE_MS).out;
    expect(b).toEqual(a);
    // Redelivery of the most recent records (Kafka at-least-once after a crash) is absorbed.
    const sorted = [...data.slice(0, 40_000)].sort((x, y) => x.eventTime - y.eventTime);
    const replayTail = [...sorted, ...sorted.slice(-50)];
    const r = run(replayTail, 5 * MINUTE_MS);
    expect(nonZero(r.out)).toEqual(referenceMinuteCounts(sorted));
    expect(r.w.stats().duplicates).toBeGreaterThan(0);
  });
});
