import type { HpzlCode } from './record.ts';
import { beijingToEpoch } from '../core/beijing-time.ts';

/** Rejection reasons; stable codes so counts can be compared across runs. */
export type RejectReason =
  | 'field-count'
  | 'unterminated-quote'
  | 'missing-gcxh'
  | 'bad-plate'
  | 'bad-time'
  | 'bad-fxlx'
  | 'bad-checkpoint'
  | 'duplicate-gcxh';

export type RuleResult<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

const ok = <T>(value: T): RuleResult<T> => ({ ok: true, value });
const fail = <T>(reason: RejectReason, detail: string): RuleResult<T> => ({ ok: false, reason, detail });

// The user's rule, verbatim. Note it has no 贵 (Guizhou), so 贵 plates are rejected as the user specified.
export const PLATE_RE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9][A-Z0-9][A-Z0-9*]{3}$/;

export function checkPlate(hphm: string): RuleResult<string> {
  const plate = hphm.trim();
  if (plate === '') return fail('bad-plate', 'HPHM is empty');
  return PLATE_RE.test(plate) ? ok(plate) : fail('bad-plate', `HPHM "${plate}" does not match the plate rule`);
}

export const HPZL_LABELS: Record<HpzlCode, string> = {
  '01': '大型汽车',
  '02': '小型汽车',
  '13': '外籍汽车',
  '22': '港澳车辆',
  '51': '挂车',
  '52': '教练车',
  未知: '未知',
};

/**
 * HPZL to one of the seven values. '-' / empty / unknown codes become 未知 rather than a rejection:
 * the plate type is descriptive, and the user drops rows only for bad plates.
 * Single-digit codes ('1', '2', present in some exports) are zero-padded.
 */
export function normaliseHpzl(hpzl: string): { code: HpzlCode; label: string } {
  const t = hpzl.trim();
  const padded = /^\d$/.test(t) ? `0${t}` : t;
  const code: HpzlCode = padded in HPZL_LABELS ? (padded as HpzlCode) : '未知';
  return { code, label: HPZL_LABELS[code] };
}

export interface VehicleModel {
  brand: string;
  model: string | null;
  year: string | null;
}

const UNKNOWN_MARKERS = ['未知', 'unknown', '进口车'];
const isUnknown = (s: string) => UNKNOWN_MARKERS.some((m) => s.toLowerCase().includes(m.toLowerCase()));

/**
 * CLPPXH ("品牌-车型-年款…") to BRAND / MODEL / YEAR, per the user's rules:
 * brand is the first '-' part without 牌; model the second (null if absent); the year comes from the
 * rest, cut at the first space, first of several '_'-separated years; unknown markers give 未知;
 * the model Π1 is 派1.
 */
export function parseClppxh(clppxh: string): VehicleModel {
  const text = clppxh.trim();
  if (text === '' || text === '-') return { brand: '未知', model: null, year: null };
  const parts = text.split('-').map((p) => p.trim());
  const brand = parts[0].replace(/牌/g, '').trim() || '未知';
  let model: string | null = parts.length > 1 && parts[1] !== '' ? parts[1] : null;
  if (model !== null) model = isUnknown(model) ? '未知' : model.replace(/Π1/g, '派1');
  let year: string | null = null;
  if (parts.length > 2) {
    const rest = parts.slice(2).join('-').split(' ')[0];
    const first = rest.split('_')[0].trim();
    year = isUnknown(rest) ? '未知' : first === '' ? null : first;
  }
  return { brand: isUnknown(brand) ? '未知' : brand, model, year };
}

export interface ParsedTime {
  /** Normalised `YYYY-MM-DD HH:mm:ss`. */
  text: string;
  /** Epoch ms, reading the wall-clock time as Beijing time. */
  epochMs: number;
}

const TIME_RE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Accepts both the cleaned format (`2023-12-09 00:00:32`) and the raw one (`2023/12/1 0:08:00`,
 * seconds optional). Computed arithmetically so the result does not depend on the process TZ.
 */
export function parseBeijingTime(s: string): RuleResult<ParsedTime> {
  const m = TIME_RE.exec(s.trim());
  if (!m) return fail('bad-time', `GCSJ "${s}" is not a date-time like 2023-12-01 00:08:00 or 2023/12/1 0:08:00`);
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const epochMs = beijingToEpoch(y, mo, d, h, mi, se);
  if (epochMs === null) return fail('bad-time', `GCSJ "${s}" is not a valid date-time`);
  return ok({ text: `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(se)}`, epochMs });
}

export { beijingDate, beijingMidnight, formatBeijingTime as formatBeijing } from '../core/beijing-time.ts';

export function checkGcxh(gcxh: string): RuleResult<string> {
  const t = gcxh.trim();
  if (t === '') return fail('missing-gcxh', 'GCXH is empty');
  if (/\s/.test(t)) return fail('missing-gcxh', `GCXH "${t}" contains whitespace`);
  return ok(t);
}

export function checkFxlx(fxlx: string): RuleResult<1 | 2> {
  const t = fxlx.trim();
  return t === '1' || t === '2' ? ok(Number(t) as 1 | 2) : fail('bad-fxlx', `FXLX "${t}" is not 1 or 2`);
}
