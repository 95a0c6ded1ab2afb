import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFiles } from './check.ts';
import { cleanFiles } from './clean.ts';
import { findGaps, missingDays } from './gaps.ts';
import { openEtcFile } from './reader.ts';
import { CLEAN_COLUMNS } from './record.ts';
import { RAW_HEADER, RAW_ROWS, tmpDir, writeCsv } from './testkit.ts';

const { dir, cleanup } = tmpDir();
afterAll(cleanup);
const bj = (s: string) => Date.parse(s.replace(' ', 'T') + '+08:00');

describe('gaps', () => {
  it('finds the user\'s "starts at 10:21, evening missing" day', () => {
    const times = ['2023-12-12 10:21:38', '2023-12-12 10:40:00', '2023-12-12 16:57:54'].map(bj);
    expect(findGaps(times, 30 * 60_000, '2023-12-12')).toEqual([
      { from: '2023-12-12 00:00:00', to: '2023-12-12 10:21:38', minutes: 622, where: 'start' },
      { from: '2023-12-12 10:40:00', to: '2023-12-12 16:57:54', minutes: 378, where: 'inside' },
      { from: '2023-12-12 16:57:54', to: '2023-12-13 00:00:00', minutes: 422, where: 'end' },
    ]);
  });
  it('ignores gaps under the threshold and day edges without a day', () => {
    expect(findGaps(['2023-12-12 10:00:00', '2023-12-12 10:29:59'].map(bj), 30 * 60_000)).toEqual([]);
  });
  it('lists days with no data', () => expect(missingDays(['2023-12-30', '2024-01-02', '2023-12-31'])).toEqual(['2024-01-01']));
});

function cleanRow(gcxh: string, gcsj: string, plate = '苏C08***', kkmc = 'S250-K1-省际卡口'): string {
  const wrongTs = Date.parse(gcsj.replace(' ', 'T') + 'Z'); // what the user's first cleaning wrote
  return `${gcxh},邳州市,S250,K1,PROVINCE,江苏-山东,苏鲁界,${kkmc},1,${gcsj},${wrongTs},${gcsj},02,小型汽车,${plate},大众`;
}

describe('check', () => {
  it('counts rejections, duplicates within and across files, gaps, checkpoints and the GCSJ_TS offset', async () => {
    const header = CLEAN_COLUMNS.join(',');
    const a = writeCsv(dir, '2023-12-12-final.csv', [
      header,
      cleanRow('A1', '2023-12-12 10:21:38'),
      cleanRow('A2', '2023-12-12 10:22:00', '苏1Y8***'),
      cleanRow('A1', '2023-12-12 10:23:00'),
      cleanRow('A3', '2023-12-12 23:50:00'),
      'A4,邳州市,S250',
    ], { bom: true });
    const b = writeCsv(dir, '2023-12-14-final.csv', [header, cleanRow('A3', '2023-12-14 00:00:05'), cleanRow('B1', '2023-12-14 23:59:00')]);
    const empty = join(dir, 'empty.csv');
    writeCsv(dir, 'empty.csv', []);
    const r = await checkFiles([a, b, empty]);
    const [fa, fb, fe] = r.files;
    expect(fa).toMatchObject({
      rows: 5, accepted: 2, rejected: { 'bad-plate': 1, 'duplicate-gcxh': 1, 'field-count': 1 },
      duplicatesWithin: 1, duplicatesAcross: 0, failingPlates: { '苏1Y8***': 1 }, first: '2023-12-12 10:21:38', last: '2023-12-12 23:50:00',
      tsDisagree: 2, tsOffsets: { '28800000': 2 }, perCheckpoint: { 'S250-K1-省际卡口': 2 },
    });
    expect(fa.gaps.map((g) => g.where)).toEqual(['start', 'inside']);
    expect(fa.examples).toContain('2023-12-12-final.csv:4: duplicate-gcxh: GCXH A1 first seen at 2023-12-12-final.csv:2');
    expect(fa.examples).toContain('2023-12-12-final.csv:6: field-count: expected 16 fields, got 3');
    expect(fb).toMatchObject({ accepted: 1, duplicatesAcross: 1 });
    expect(fb.examples[0]).toBe('2023-12-14-final.csv:2: duplicate-gcxh: GCXH A3 first seen at 2023-12-12-final.csv:5');
    expect(fe.error).toMatch(/^empty\.csv: /);
    expect(r.total).toMatchObject({ rows: 7, accepted: 3, fileErrors: 1, missingDays: ['2023-12-13'], tsDisagree: 3 });
  });
  it('spots one day copied to another date', async () => {
    const header = CLEAN_COLUMNS.join(',');
    const a = writeCsv(dir, 'c-2023-12-11.csv', [header, cleanRow('X1', '2023-12-11 08:00:00'), cleanRow('X2', '2023-12-11 09:00:00')]);
    const b = writeCsv(dir, 'c-2023-12-18.csv', [header, cleanRow('F2', '2023-12-18 09:00:00'), cleanRow('F1', '2023-12-18 08:00:00')]);
    const c = writeCsv(dir, 'c-2023-12-19.csv', [header, cleanRow('G1', '2023-12-19 08:00:00')]);
    const r = await checkFiles([a, b, c]);
    expect(r.total.sameContent).toEqual([['c-2023-12-11.csv', 'c-2023-12-18.csv']]);
  });
});

describe('clean', () => {
  it('writes the 16-column format with GCSJ_TS fixed, and a quarantine with every rejected row verbatim', async () => {
    const inDir = join(dir, 'in');
    const outDir = join(dir, 'out');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(inDir);
    const raw = writeCsv(inDir, 'raw-gbk.csv', [RAW_HEADER, ...RAW_ROWS, '320300108854425145,邳州市,S251K5,1,2023/12/1 0:09:00,02,苏C08***,', 'bad,line'], { encoding: 'gbk', eol: '\r\n' });
    const [res] = await cleanFiles([raw], { outDir });
    expect(res).toMatchObject({ rows: 5, written: 3, quarantined: { 'duplicate-gcxh': 1, 'field-count': 1 } });
    const out = readFileSync(join(outDir, 'raw-gbk.csv'), 'utf8');
    expect(out.startsWith('\uFEFF' + CLEAN_COLUMNS.join(',') + '\n')).toBe(true);
    expect(out.split('\n')[1]).toBe(
      `320300108854425145,邳州市,S251,K5,PROVINCE,江苏-山东,苏鲁界,S251-K5-省际卡口,1,2023-12-01 00:08:00,${bj('2023-12-01 00:08:00')},2023-12-01 00:08:00,02,小型汽车,苏C08***,大众`,
    );
    const q = readFileSync(join(outDir, 'raw-gbk.quarantine.csv'), 'utf8').split('\n');
    expect(q[0]).toBe('\uFEFFfile,line,reason,detail,raw');
    expect(q[1]).toBe('raw-gbk.csv,5,duplicate-gcxh,GCXH 320300108854425145 first seen at raw-gbk.csv:2,"320300108854425145,邳州市,S251K5,1,2023/12/1 0:09:00,02,苏C08***,"');
    expect(q[2]).toBe('raw-gbk.csv,6,field-count,"expected 8 fields, got 2","bad,line"');
    // The cleaned file reads back as a cleaned export with nothing to fix.
    const back = await openEtcFile(join(outDir, 'raw-gbk.csv'));
    const evs = [];
    for await (const ev of back.rows()) evs.push(ev);
    expect(evs.every((e) => e.kind === 'record' && e.sourceTs === e.record.GCSJ_TS && !e.kkmcFixed)).toBe(true);
  });
  it('refuses to overwrite its input', async () => {
    const p = writeCsv(dir, 'self.csv', [RAW_HEADER, RAW_ROWS[0]]);
    await expect(cleanFiles([p], { outDir: dir })).rejects.toThrow(/self\.csv: output would overwrite the input/);
  });
});
