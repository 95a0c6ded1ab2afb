import { describe, expect, it } from 'vitest';
import { beijingDate, checkFxlx, checkGcxh, checkPlate, formatBeijing, normaliseHpzl, parseBeijingTime, parseClppxh } from './rules.ts';
import { canonicalKkmc, checkpointFromRawKkmc } from './checkpoints.ts';

describe('plate rule (the user\'s regex)', () => {
  it.each([
    ['苏C08***', true], ['苏CD7***', true], ['京JE1***', true], ['鲁Q97***', true], ['苏NH2***', true],
    ['苏1Y8***', false], ['5025***', false], ['冀鲁HF***', false], ['苏宁C0***', false], ['苏IC8***', false],
    ['苏OC8***', false], ['苏C08**', false], ['苏C08****', false], ['贵C78***', false], ['', false], ['苏c08***', false],
  ])('%s → %s', (plate, valid) => {
    const r = checkPlate(plate);
    expect(r.ok).toBe(valid);
    if (!r.ok) expect(r.reason).toBe('bad-plate');
  });
  it('trims surrounding blanks', () => expect(checkPlate(' 苏C08*** ')).toEqual({ ok: true, value: '苏C08***' }));
});

describe('HPZL normalisation', () => {
  it.each([
    ['01', '01', '大型汽车'], ['02', '02', '小型汽车'], ['13', '13', '外籍汽车'], ['22', '22', '港澳车辆'],
    ['51', '51', '挂车'], ['52', '52', '教练车'], ['-', '未知', '未知'], ['', '未知', '未知'], ['未知', '未知', '未知'],
    ['1', '01', '大型汽车'], ['2', '02', '小型汽车'], ['99', '未知', '未知'], ['xx', '未知', '未知'],
  ])('%j → %s %s', (input, code, label) => expect(normaliseHpzl(input)).toEqual({ code, label }));
});

describe('CLPPXH → BRAND / MODEL / YEAR', () => {
  it.each([
    ['大众牌-朗逸-2019', { brand: '大众', model: '朗逸', year: '2019' }],
    ['大众牌', { brand: '大众', model: null, year: null }],
    ['福田牌-欧曼', { brand: '福田', model: '欧曼', year: null }],
    ['丰田牌-卡罗拉-2017_2018_2019', { brand: '丰田', model: '卡罗拉', year: '2017' }],
    ['本田牌-雅阁-2015 豪华版', { brand: '本田', model: '雅阁', year: '2015' }],
    ['奇瑞牌-Π1-2012', { brand: '奇瑞', model: '派1', year: '2012' }],
    ['奥迪牌-A6L-未知', { brand: '奥迪', model: 'A6L', year: '未知' }],
    ['宝马牌-X5-进口车', { brand: '宝马', model: 'X5', year: '未知' }],
    ['宝马牌-unknown-2020', { brand: '宝马', model: '未知', year: '2020' }],
    ['奔驰牌-未知车型-Unknown', { brand: '奔驰', model: '未知', year: '未知' }],
    ['', { brand: '未知', model: null, year: null }],
    ['-', { brand: '未知', model: null, year: null }],
    ['未知', { brand: '未知', model: null, year: null }],
  ])('%j', (input, expected) => expect(parseClppxh(input)).toEqual(expected));
});

describe('GCSJ as Beijing time', () => {
  it.each([
    // The user's own worked example: Beijing 2023-12-01 00:00:01 is 1701360001000, not 1701388801000.
    ['2023-12-01 00:00:01', '2023-12-01 00:00:01', 1701360001000],
    ['2023/12/1 0:08:00', '2023-12-01 00:08:00', 1701360480000],
    ['2023/12/1 0:02', '2023-12-01 00:02:00', 1701360120000],
    ['2024-01-03 00:00:09', '2024-01-03 00:00:09', 1704211209000],
    ['2024-02-29 23:59:59', '2024-02-29 23:59:59', Date.parse('2024-02-29T23:59:59+08:00')],
  ])('%s', (input, text, epochMs) => {
    expect(parseBeijingTime(input)).toEqual({ ok: true, value: { text, epochMs } });
  });
  it('is 8 h earlier than reading the same text as UTC (the GCSJ_TS bug)', () => {
    const r = parseBeijingTime('2023-12-09 00:00:32');
    expect(r.ok && 1702080032000 - r.value.epochMs).toBe(8 * 3600_000);
  });
  it.each(['2023-02-30 00:00:00', '2023-13-01 00:00:00', '2023-12-01 24:00:00', '2023-12-01', '12/1/2023 0:08', 'abc', ''])('rejects %j', (s) => {
    const r = parseBeijingTime(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('bad-time');
  });
  it('formats and dates back in Beijing time regardless of process TZ', () => {
    expect(formatBeijing(1701360001000)).toBe('2023-12-01 00:00:01');
    expect(beijingDate(1701360001000)).toBe('2023-12-01');
    expect(beijingDate(1701360001000 - 2000)).toBe('2023-11-30');
  });
});

describe('GCXH, FXLX, checkpoints', () => {
  it('GCXH must be present', () => {
    expect(checkGcxh(' F30300108866851752 ')).toEqual({ ok: true, value: 'F30300108866851752' });
    expect(checkGcxh('')).toMatchObject({ ok: false, reason: 'missing-gcxh' });
    expect(checkGcxh('12 34')).toMatchObject({ ok: false, reason: 'missing-gcxh' });
  });
  it('FXLX is 1 or 2', () => {
    expect(checkFxlx('2')).toEqual({ ok: true, value: 2 });
    expect(checkFxlx('3')).toMatchObject({ ok: false, reason: 'bad-fxlx' });
  });
  it('raw KKMC text maps to a known checkpoint by road and K value', () => {
    expect(checkpointFromRawKkmc('S251省道K5苏鲁界省际卡口')).toMatchObject({ roadId: 'S251', kIndex: 'K5', level: 'PROVINCE' });
    expect(checkpointFromRawKkmc('g3 京台高速 k731')).toMatchObject({ roadId: 'G3', kIndex: 'K731' });
    expect(checkpointFromRawKkmc('S251K6')).toBeUndefined();
    expect(checkpointFromRawKkmc('收费站')).toBeUndefined();
  });
  it('CLEAN_KKMC is road-K-level', () => expect(canonicalKkmc('G518', 'K358', 'PROVINCE')).toBe('G518-K358-省际卡口'));
});
