// The read side's pure parts: parameters, CSV for Excel, row shapes, time buckets.
import { describe, expect, it } from 'vitest';
import * as P from './params.ts';
import { toCsv } from './csv.ts';
import { bucketCounts, indexRowPassage, mainRowPassage, newestFirst } from './shape.ts';
import { checkpointIndexRowKey, mainRowKey } from '../pipeline/core/rowkey.ts';

const t = (s: string) => Date.parse(`${s.replace(' ', 'T')}+08:00`);

describe('query parameters', () => {
  it('times are Beijing wall clock or epoch ms; a bad one names the parameter', () => {
    expect(P.time('from', '2024-01-08 10:05')).toBe(t('2024-01-08 10:05:00'));
    expect(P.time('from', '2024-01-08T10:05:30')).toBe(t('2024-01-08 10:05:30'));
    expect(P.time('to', '1704679500000')).toBe(1704679500000);
    expect(() => P.time('from', '2024-02-30 10:00')).toThrow(/^from: not a time: "2024-02-30 10:00"/);
    expect(() => P.time('to', undefined)).toThrow(/^to: required/);
    expect(() => P.range(t('2024-01-08 10:00'), t('2024-01-08 09:00'))).toThrow(/^to: must be after from/);
    expect(() => P.range(0, 40 * 86_400_000)).toThrow(/at most 31 days/);
  });

  it('limits, steps and names are checked; a plate is text, never SQL', () => {
    expect(P.int('limit', '50', 10, 1, 1000)).toBe(50);
    expect(P.int('limit', undefined, 10, 1, 1000)).toBe(10);
    expect(() => P.int('limit', '0', 10, 1, 1000)).toThrow(/^limit: must be a whole number from 1 to 1000, got "0"/);
    expect(() => P.int('limit', '5;', 10, 1, 1000)).toThrow(/^limit:/);
    expect(P.step('15m')).toBe(15);
    expect(P.step(undefined)).toBe(5);
    expect(() => P.step('7m')).toThrow(/^step: must be one of 1m, 5m, 15m, 1h/);
    expect(P.name('plate', " 苏C'; DROP TABLE etc_passage; -- ")).toBe("苏C'; DROP TABLE etc_passage; --");
    expect(() => P.name('plate', 'a|b')).toThrow(/^plate: must not contain '\|'/);
    expect(() => P.name('checkpoint', '')).toThrow(/^checkpoint: required/);
  });
});

describe('CSV for Excel', () => {
  it('starts with a BOM, one header row, CRLF, quotes what needs quoting, defuses formulas', () => {
    const csv = toCsv(['plate', 'checkpoint', 'n'], [{ plate: '苏C08***', checkpoint: 'G3-K731-省际卡口', n: 3 }, { plate: 'a,"b"', checkpoint: '=1+1', n: -2 }]);
    expect(csv.startsWith('\uFEFFplate,checkpoint,n\r\n')).toBe(true);
    expect(csv.split('\r\n')).toEqual(['\uFEFFplate,checkpoint,n', '苏C08***,G3-K731-省际卡口,3', `"a,""b""",'=1+1,-2`, '']);
  });
});

describe('row shapes', () => {
  const a = { plate: '苏C08***', checkpoint: 'G3-K731-省际卡口', eventTime: t('2024-01-08 10:00:00'), gcxh: 'G1' };
  const cells = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`info:${k}`, Buffer.from(v)]));

  it('passages come back out of both row keys', () => {
    const main = mainRowPassage({ row: Buffer.from(mainRowKey(a)), cells: cells({ FXLX: '1', HPZL_LABEL: '小型汽车', BOUNDARY_LEVEL: 'PROVINCE' }) });
    expect(main).toEqual({ gcxh: 'G1', plate: '苏C08***', checkpoint: 'G3-K731-省际卡口', time: '2024-01-08 10:00:00', eventMs: a.eventTime, direction: '1', vehicleType: '小型汽车', boundary: 'PROVINCE' });
    const idx = indexRowPassage({ row: Buffer.from(checkpointIndexRowKey(a)), cells: cells({ HPHM: '苏C08***', FXLX: '1', HPZL_LABEL: '小型汽车', BOUNDARY_LEVEL: 'PROVINCE' }) });
    expect(idx).toEqual(main);
  });

  it('newest first, a tie in time broken by GCXH descending', () => {
    const p = (gcxh: string, s: string) => ({ gcxh, plate: 'x', checkpoint: 'c', time: s, eventMs: t(s), direction: '', vehicleType: '', boundary: '' });
    expect(newestFirst([p('G1', '2024-01-08 10:00:00'), p('G3', '2024-01-08 10:00:00'), p('G2', '2024-01-08 10:00:00'), p('G0', '2024-01-08 10:00:01')]).map((x) => x.gcxh)).toEqual(['G0', 'G3', 'G2', 'G1']);
  });

  it('minute sums fall into every step bucket of the range, zeros included', () => {
    const b = bucketCounts([{ minute: '2024-01-08 10:01:00', n: 2 }, { minute: '2024-01-08 10:04:00', n: 3 }, { minute: '2024-01-08 10:04:00', n: 1 }, { minute: '2024-01-08 10:12:00', n: 5 }], t('2024-01-08 10:00:00'), t('2024-01-08 10:15:00'), 5);
    expect(b).toEqual([
      { start: '2024-01-08 10:00:00', end: '2024-01-08 10:05:00', passages: 6 },
      { start: '2024-01-08 10:05:00', end: '2024-01-08 10:10:00', passages: 0 },
      { start: '2024-01-08 10:10:00', end: '2024-01-08 10:15:00', passages: 5 },
    ]);
  });
});
