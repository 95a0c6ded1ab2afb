import { describe, expect, it } from 'vitest';
import {
  checkpointIndexRowKey,
  parseCheckpointIndexRowKey,
  parseMainRowKey,
  checkpointRange,
  checkpointSplitKeys,
  fnv1a32,
  mainRowKey,
  plateScanPrefix,
  plateTimeRange,
  regionOf,
  reverseTs,
  saltOf,
  splitKeys,
} from './rowkey.ts';
import { HAS_DATA, NO_DATA_REASON, realPassages } from './testdata.ts';
import type { Passage } from './passage.ts';

const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** HBase scan semantics over a byte-sorted key list: [start, stop) or prefix. */
function scan(sorted: string[], start: string, stop?: string): string[] {
  const lower = (k: string) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (byteCmp(sorted[m]!, k) < 0) lo = m + 1; else hi = m; }
    return lo;
  };
  const out: string[] = [];
  for (let i = lower(start); i < sorted.length; i++) {
    const k = sorted[i]!;
    if (stop !== undefined ? byteCmp(k, stop) >= 0 : !k.startsWith(start)) break;
    out.push(k);
  }
  return out;
}

describe('rowkey pure parts', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv1a32(%j) matches the published FNV-1a vectors', (s, h) => {
    expect(fnv1a32(s)).toBe(h);
  });

  it.each([
    [0, '9999999999999'],
    [1702080032000, '8297919967999'],
    [9_999_999_999_999, '0000000000000'],
  ])('reverseTs(%d) = %s', (ms, r) => expect(reverseTs(ms)).toBe(r));

  it('reverse ts sorts newer first byte-wise', () => {
    expect(byteCmp(reverseTs(1702080033000), reverseTs(1702080032000))).toBeLessThan(0);
  });

  it.each([
    [1, []],
    [4, ['01', '02', '03']],
    [10, ['01', '02', '03', '04', '05', '06', '07', '08', '09']],
  ])('splitKeys(%d)', (n, keys) => expect(splitKeys(n)).toEqual(keys));

  it.each([[0], [101], [2.5]])('splitKeys(%d) is refused', (n) => expect(() => splitKeys(n)).toThrow(/salt buckets/));

  it.each([
    [{ plate: '苏C|08***', checkpoint: 'G3-K731-省际卡口', eventTime: 1, gcxh: '1' }, /plate/],
    [{ plate: '苏C08***', checkpoint: '', eventTime: 1, gcxh: '1' }, /checkpoint/],
    [{ plate: '苏C08***', checkpoint: 'x', eventTime: -5, gcxh: '1' }, /eventTime/],
  ])('bad key component is refused with its name: %j', (p, re) => expect(() => mainRowKey(p)).toThrow(re));

  it('main key layout: salt|plate|reverse_ts|checkpoint|gcxh', () => {
    const p = { plate: '苏C08***', checkpoint: 'S325-K63-市际卡口', eventTime: 1702051251000, gcxh: '320300108854425594' };
    expect(mainRowKey(p, 6)).toBe(`${saltOf('苏C08***', 6)}|苏C08***|${reverseTs(p.eventTime)}|S325-K63-市际卡口|320300108854425594`);
    expect(checkpointIndexRowKey(p)).toBe('S325-K63-市际卡口|1702051251000|320300108854425594');
  });

  it('regionOf follows HBase half-open regions', () => {
    const s = splitKeys(4);
    expect(['00|x', '01', '01|x', '02|z', '03|a'].map((k) => regionOf(k, s))).toEqual([0, 1, 1, 2, 3]);
  });

  it('checkpointSplitKeys gives one region per checkpoint', () => {
    const cps = ['b', 'a', 'c', 'a'];
    const splits = checkpointSplitKeys(cps);
    expect(splits).toEqual(['b|', 'c|']);
    expect(['a|1', 'b|1', 'c|1'].map((k) => regionOf(k, splits))).toEqual([0, 1, 2]);
  });

  it.each([[5, 5], [6, 5]])('empty or inverted ranges are refused (from=%d to=%d)', (from, to) => {
    expect(() => checkpointRange('x', from, to)).toThrow(/from < to/);
    expect(() => plateTimeRange('x', from, to)).toThrow(/from < to/);
  });
});

describe.skipIf(!HAS_DATA)(HAS_DATA ? 'rowkey on the real data' : `rowkey on the real data — skipped: ${NO_DATA_REASON}`, () => {
  const data = HAS_DATA ? realPassages() : [];

  // Salting by plate is what keeps a plate in one prefix scan, so a region's load is the sum of whole
  // plates. Masked plates are heavy-tailed (the busiest has 919 rows), so the spread cannot beat a
  // random assignment of plates to regions: σ = sqrt(Σ rows_per_plate² · (1/n)(1 − 1/n)). The hash must
  // be that good (every region within 4σ of the mean), and the default 6 regions within 25% max/min.
  it.each([[3], [6], [9], [12]])('salted keys spread over %d pre-split regions as evenly as whole plates allow', (n) => {
    const splits = splitKeys(n);
    const counts = new Array<number>(n).fill(0);
    for (const p of data) counts[regionOf(mainRowKey(p, n), splits)]!++;
    const perPlate = new Map<string, number>();
    for (const p of data) perPlate.set(p.plate, (perPlate.get(p.plate) ?? 0) + 1);
    let sumSq = 0;
    for (const c of perPlate.values()) sumSq += c * c;
    const mean = data.length / n, sigma = Math.sqrt(sumSq * (1 / n) * (1 - 1 / n));
    const max = Math.max(...counts), min = Math.min(...counts);
    console.log(`regions=${n} rows/region min=${min} max=${max} max/min=${(max / min).toFixed(3)} mean=${mean.toFixed(0)} σ(random plate placement)=${sigma.toFixed(0)}`);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const c of counts) expect(Math.abs(c - mean)).toBeLessThan(4 * sigma);
    if (n === 6) expect(max / min).toBeLessThan(1.25);
  });

  it("the user's time-first key puts a whole day's writes into one region", () => {
    // Contrast: pre-split the old key at the same boundaries the user used ('3','6','9','C','F').
    const splits = ['3', '6', '9', 'C', 'F'];
    const day = data.filter((p) => p.eventTime >= Date.UTC(2024, 0, 1, -8) && p.eventTime < Date.UTC(2024, 0, 2, -8));
    const regions = new Set(day.map((p) => regionOf(`${String(9223372036854775807n - BigInt(p.eventTime))}-${p.plate}`, splits)));
    expect(regions.size).toBe(1);
  });

  const sortedMain = HAS_DATA ? data.map((p) => mainRowKey(p)).sort(byteCmp) : [];
  const byGcxh = new Map<string, Passage>(data.map((p) => [p.gcxh, p]));
  const gcxhOf = (k: string) => k.slice(k.lastIndexOf('|') + 1);

  it('a plate prefix scan returns exactly that plate, newest first (busiest plates and a sample)', () => {
    const perPlate = new Map<string, Passage[]>();
    for (const p of data) (perPlate.get(p.plate) ?? perPlate.set(p.plate, []).get(p.plate)!).push(p);
    const plates = [...perPlate.keys()].sort((a, b) => perPlate.get(b)!.length - perPlate.get(a)!.length);
    const sample = [...plates.slice(0, 20), ...plates.filter((_, i) => i % 997 === 0)];
    for (const plate of sample) {
      const rows = scan(sortedMain, plateScanPrefix(plate)).map((k) => byGcxh.get(gcxhOf(k))!);
      expect(new Set(rows.map((r) => r.gcxh))).toEqual(new Set(perPlate.get(plate)!.map((r) => r.gcxh)));
      expect(rows.every((r) => r.plate === plate)).toBe(true);
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.eventTime).toBeGreaterThanOrEqual(rows[i]!.eventTime);
    }
  });

  it('plateTimeRange returns exactly the plate rows inside [from, to)', () => {
    const counts = new Map<string, number>();
    for (const p of data) counts.set(p.plate, (counts.get(p.plate) ?? 0) + 1);
    const plate = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const times = data.filter((p) => p.plate === plate).map((p) => p.eventTime).sort((a, b) => a - b);
    // Half-open bounds landing exactly on passages: the first is in, the last is out.
    const from = times[Math.floor(times.length / 4)]!, to = times[Math.floor((3 * times.length) / 4)]!;
    const r = plateTimeRange(plate, from, to);
    const got = scan(sortedMain, r.startRow, r.stopRow).map(gcxhOf).sort();
    const want = data.filter((p) => p.plate === plate && p.eventTime >= from && p.eventTime < to).map((p) => p.gcxh).sort();
    expect(want.length).toBeGreaterThan(1);
    expect(got).toEqual(want);
    expect(want).toContain(data.find((p) => p.plate === plate && p.eventTime === from)!.gcxh);
    expect(got.some((g) => byGcxh.get(g)!.eventTime === to)).toBe(false);
  });

  it('checkpointRange on the index table returns exactly [from, to) at that checkpoint, oldest first', () => {
    const sortedIdx = data.map(checkpointIndexRowKey).sort(byteCmp);
    const cps = [...new Set(data.map((p) => p.checkpoint))];
    for (const cp of cps) {
      const from = Date.UTC(2023, 11, 10, 1, 30), to = Date.UTC(2023, 11, 10, 9, 45);
      const r = checkpointRange(cp, from, to);
      const rows = scan(sortedIdx, r.startRow, r.stopRow).map((k) => byGcxh.get(gcxhOf(k))!);
      const want = data.filter((p) => p.checkpoint === cp && p.eventTime >= from && p.eventTime < to);
      expect(new Set(rows.map((x) => x.gcxh))).toEqual(new Set(want.map((x) => x.gcxh)));
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.eventTime).toBeLessThanOrEqual(rows[i]!.eventTime);
    }
  });
});

describe('row keys read back', () => {
  it('both keys give back the passage they were made from', () => {
    const p = { plate: '苏C08***', checkpoint: 'G3-K731-省际卡口', eventTime: Date.parse('2024-01-08T10:00:07+08:00'), gcxh: 'G320300109098911654' };
    expect(parseMainRowKey(mainRowKey(p))).toEqual(p);
    const { plate: _plate, ...rest } = p;
    expect(parseCheckpointIndexRowKey(checkpointIndexRowKey(p))).toEqual(rest);
  });
});
