import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectHeader } from './header.ts';
import { EtcFileError, formatRejection, openEtcFile, type ReadEvent } from './reader.ts';
import { CLEAN_COLUMNS } from './record.ts';
import { RAW_HEADER, RAW_ROWS, tmpDir, writeCsv } from './testkit.ts';

const { dir, cleanup } = tmpDir();
afterAll(cleanup);
const FIXTURE = new URL('./fixtures/clean-sample.csv', import.meta.url).pathname;

async function readAll(path: string): Promise<ReadEvent[]> {
  const f = await openEtcFile(path);
  const out: ReadEvent[] = [];
  for await (const ev of f.rows()) out.push(ev);
  return out;
}
const rejects = (evs: ReadEvent[]) => evs.filter((e) => e.kind === 'reject');
const records = (evs: ReadEvent[]) => evs.flatMap((e) => (e.kind === 'record' ? [e.record] : []));

describe('header detection', () => {
  it('recognises the cleaned 16-column header', () => {
    expect(detectHeader([...CLEAN_COLUMNS])).toMatchObject({ ok: true, layout: { format: 'clean', width: 16 } });
  });
  it.each([
    [RAW_HEADER.split(','), 'raw'],
    [['\uFEFFgcxh', 'xzqhmc', 'kkmc', 'fxlx', 'gcsj', 'hpzl', 'hphm', 'clppxh'], 'raw'],
    [['过车序号', '行政区划名称', '卡口名称', '方向类型', '过车时间', '号牌种类', '号牌号码', '车辆品牌型号'], 'raw'],
    [['"HPHM"', ' GCSJ ', 'GCXH', 'CLPPXH', 'KKMC', 'FXLX', 'HPZL', 'XZQHMC', 'EXTRA'], 'raw'],
  ])('raw variant %j', (fields, format) => {
    const r = detectHeader(fields);
    expect(r.ok && r.layout.format).toBe(format);
  });
  it('maps columns by name, not position', () => {
    const r = detectHeader(['HPHM', 'GCSJ', 'GCXH', 'CLPPXH', 'KKMC', 'FXLX', 'HPZL', 'XZQHMC']);
    expect(r.ok && r.layout.index.GCXH).toBe(2);
  });
  it('says what is missing', () => {
    const r = detectHeader(['GCXH', 'XZQHMC', 'KKMC', 'FXLX', 'GCSJ', 'HPZL']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/raw 8-column format, missing HPHM, CLPPXH/);
  });
  it('rejects a duplicated column', () => {
    const r = detectHeader(['GCXH', 'gcxh']);
    expect(!r.ok && r.message).toMatch(/GCXH appears twice/);
  });
});

describe('reading the cleaned export (real rows)', () => {
  it('recomputes GCSJ_TS from GCSJ as Beijing time and reports the file\'s 8 h offset', async () => {
    const f = await openEtcFile(FIXTURE);
    expect(f).toMatchObject({ encoding: 'utf-8', bom: true, layout: { format: 'clean' } });
    const evs = await readAll(FIXTURE);
    expect(evs).toHaveLength(100);
    const first = evs[0];
    expect(first.kind).toBe('record');
    if (first.kind !== 'record') return;
    expect(first.line).toBe(2);
    expect(first.record.GCSJ).toBe('2024-01-01 01:16:30');
    expect(first.record.GCSJ_TS).toBe(Date.parse('2024-01-01T01:16:30+08:00'));
    expect(first.record.eventTime).toBe(first.record.GCSJ_TS);
    expect(first.sourceTs! - first.record.GCSJ_TS).toBe(8 * 3600_000);
  });
  it('rejects the two bad plates of the sample, naming file and line', async () => {
    const bad = rejects(await readAll(FIXTURE));
    expect(bad.map((b) => b.kind === 'reject' && formatRejection(b))).toEqual([
      'clean-sample.csv:71: bad-plate: HPHM "宁京CQ***" does not match the plate rule',
      'clean-sample.csv:77: bad-plate: HPHM "鲁027***" does not match the plate rule',
    ]);
  });
  it('zero-pads one-digit HPZL and rewrites a malformed CLEAN_KKMC', async () => {
    const header = CLEAN_COLUMNS.join(',');
    const row = 'G1,丰县,G518,K358,PROVINCE,江苏-山东,苏鲁界,G518518-K358-省际卡口,1,2024-01-03 00:00:09,1704240009000,2024-01-03 00:00:09,1,大型汽车,苏NGS***,东风';
    const p = writeCsv(dir, 'kkmc.csv', [header, row]);
    const [ev] = await readAll(p);
    expect(ev.kind === 'record' && ev.kkmcFixed).toBe(true);
    expect(records([ev])[0]).toMatchObject({ CLEAN_KKMC: 'G518-K358-省际卡口', HPZL: '01', HPZL_LABEL: '大型汽车', FXLX: 1 });
  });
});

describe('reading the raw 8-column export', () => {
  const expected = [
    { GCXH: '320300108854425145', CLEAN_KKMC: 'S251-K5-省际卡口', GCSJ: '2023-12-01 00:08:00', HPZL: '02', HPZL_LABEL: '小型汽车', BRAND: '大众', BOUNDARY_LABEL: '苏鲁界' },
    { GCXH: '320300108854425146', CLEAN_KKMC: 'S325-K63-市际卡口', FXLX: 2, HPZL: '未知', HPZL_LABEL: '未知', BRAND: '未知' },
    { CLEAN_KKMC: 'G518-K358-省际卡口', GCSJ: '2023-12-01 13:30:00', GCSJ_TS: Date.parse('2023-12-01T13:30:00+08:00'), HPZL: '52', BRAND: '奇瑞' },
  ];
  it.each([
    ['utf-8', false, '\n'],
    ['utf-8', true, '\r\n'],
    ['gbk', false, '\r\n'],
    ['gbk', false, '\n'],
  ] as const)('%s bom=%s eol=%j', async (encoding, bom, eol) => {
    const p = writeCsv(dir, `raw-${encoding}-${bom}-${eol.length}.csv`, [RAW_HEADER, ...RAW_ROWS], { encoding, bom, eol });
    const f = await openEtcFile(p);
    expect(f.encoding).toBe(encoding === 'gbk' ? 'gb18030' : 'utf-8');
    const evs = await readAll(p);
    expect(rejects(evs)).toEqual([]);
    expect(records(evs)).toMatchObject(expected);
    expect(evs.map((e) => e.line)).toEqual([2, 3, 4]);
  });
  it('rejects an unknown checkpoint', async () => {
    const p = writeCsv(dir, 'raw-kk.csv', [RAW_HEADER, '1,丰县,某收费站,1,2023/12/1 0:08:00,02,苏C08***,']);
    expect(rejects(await readAll(p))).toMatchObject([{ file: 'raw-kk.csv', line: 2, reason: 'bad-checkpoint', detail: expect.stringContaining('某收费站') }]);
  });
});

describe('bad rows never throw', () => {
  it('truncated line, blank lines, quoted fields and a stray quote', async () => {
    const lines = [
      RAW_HEADER,
      RAW_ROWS[0],
      '320300108854425150,邳州市,S251K5,1,2023/12/1',      // line 3: truncated
      '',                                                    // line 4: blank, skipped
      '"320300108854425151","邳州市","S251K5,省际",1,2023/12/1 1:00:00,02,苏C08***,"大众牌-朗逸-2019"', // line 5: quoted, comma inside
      '320300108854425152,邳州市,"S251K5\n省际",1,2023/12/1 1:00:00,02,苏C08***,',               // lines 6-7: newline inside quotes
      '320300108854425153,邳州市,"S251K5,1,2023/12/1 1:00:00,02,苏C08***,',                      // line 8: quote never closed
      RAW_ROWS[1],                                           // line 9
      '320300108854425155,邳州市,S251K5,1,2023/12/1 25:00,02,苏C08***,', // line 10: bad time
      ',邳州市,S251K5,1,2023/12/1 2:00,02,苏C08***,',        // line 11: no GCXH
      '320300108854425157,邳州市,S251K5,3,2023/12/1 2:00,02,苏C08***,', // line 12: bad FXLX
    ];
    const p = writeCsv(dir, 'messy.csv', lines);
    const evs = await readAll(p);
    expect(evs.map((e) => [e.line, e.kind === 'reject' ? e.reason : 'ok'])).toEqual([
      [2, 'ok'], [3, 'field-count'], [5, 'ok'], [6, 'ok'], [8, 'unterminated-quote'], [9, 'ok'], [10, 'bad-time'], [11, 'missing-gcxh'], [12, 'bad-fxlx'],
    ]);
    const msgs = rejects(evs).map((r) => r.kind === 'reject' && formatRejection(r));
    expect(msgs[0]).toBe('messy.csv:3: field-count: expected 8 fields, got 5');
    expect(msgs[1]).toBe('messy.csv:8: unterminated-quote: a quoted field is never closed');
    expect(msgs[2]).toMatch(/^messy\.csv:10: bad-time: GCSJ "2023\/12\/1 25:00"/);
    expect(rejects(evs)[0]).toMatchObject({ raw: '320300108854425150,邳州市,S251K5,1,2023/12/1' });
  });
  it('a file whose last line has no newline and is cut short', async () => {
    const p = join(dir, 'cut.csv');
    writeFileSync(p, `${RAW_HEADER}\n${RAW_ROWS[0]}\n${RAW_ROWS[1].slice(0, 30)}`);
    const evs = await readAll(p);
    expect(evs.map((e) => [e.line, e.kind === 'reject' ? e.reason : 'ok'])).toEqual([[2, 'ok'], [3, 'field-count']]);
  });
  it('header only gives no rows', async () => {
    expect(await readAll(writeCsv(dir, 'header-only.csv', [RAW_HEADER]))).toEqual([]);
  });
});

describe('file-level errors name the file', () => {
  it('empty file', async () => {
    const p = join(dir, 'empty.csv');
    writeFileSync(p, '');
    await expect(openEtcFile(p)).rejects.toThrow(/^empty\.csv: is empty \(0 bytes\)$/);
    await expect(openEtcFile(p)).rejects.toBeInstanceOf(EtcFileError);
  });
  it('only blank lines', async () => {
    const p = join(dir, 'blank.csv');
    writeFileSync(p, '\r\n\n \n');
    await expect(openEtcFile(p)).rejects.toThrow(/^blank\.csv: has no header line/);
  });
  it('binary data', async () => {
    const p = join(dir, 'image.csv');
    writeFileSync(p, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
    await expect(openEtcFile(p)).rejects.toThrow(/^image\.csv: contains NUL bytes: binary data, not a CSV file$/);
  });
  it('random bytes without NUL', async () => {
    const p = join(dir, 'noise.csv');
    const buf = Buffer.alloc(4096);
    for (let i = 0; i < buf.length; i++) buf[i] = 1 + ((i * 7919) % 255);
    writeFileSync(p, buf);
    await expect(openEtcFile(p)).rejects.toThrow(/^noise\.csv: .*not a CSV file/);
  });
  it('text that is not an ETC export', async () => {
    const p = writeCsv(dir, 'notes.csv', ['今天主要是清洗', 'hello']);
    await expect(openEtcFile(p)).rejects.toThrow(/^notes\.csv: line 1: first line is not a recognised header/);
  });
  it('missing file', async () => {
    await expect(openEtcFile(join(dir, 'nope.csv'))).rejects.toThrow(/^nope\.csv: cannot read/);
  });
});
