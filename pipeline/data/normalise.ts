import { canonicalKkmc, checkpointFromRawKkmc } from './checkpoints.ts';
import type { HeaderLayout } from './header.ts';
import type { BoundaryLevel, EtcPassage } from './record.ts';
import { checkFxlx, checkGcxh, checkPlate, normaliseHpzl, parseBeijingTime, parseClppxh, type RejectReason } from './rules.ts';

export type RowResult =
  | { ok: true; record: EtcPassage; /** GCSJ_TS as the file had it (clean format), for the offset check. */ sourceTs: number | null; kkmcFixed: boolean }
  | { ok: false; reason: RejectReason; detail: string };

/** Applies every cleaning rule to one split row; the first failing rule decides the rejection. */
export function normaliseRow(fields: string[], layout: HeaderLayout): RowResult {
  if (fields.length !== layout.width) {
    return { ok: false, reason: 'field-count', detail: `expected ${layout.width} fields, got ${fields.length}` };
  }
  const get = (name: string) => fields[layout.index[name]] ?? '';
  const gcxh = checkGcxh(get('GCXH'));
  if (!gcxh.ok) return gcxh;
  const plate = checkPlate(get('HPHM'));
  if (!plate.ok) return plate;
  const time = parseBeijingTime(get('GCSJ'));
  if (!time.ok) return time;
  const fxlx = checkFxlx(get('FXLX'));
  if (!fxlx.ok) return fxlx;
  const hpzl = normaliseHpzl(get('HPZL'));

  let roadId: string, kIndex: string, level: BoundaryLevel, detail: string, label: string, brand: string;
  let sourceTs: number | null = null;
  let kkmcFixed = false;
  if (layout.format === 'clean') {
    roadId = get('ROAD_ID').trim();
    kIndex = get('K_INDEX').trim();
    const lv = get('BOUNDARY_LEVEL').trim();
    if (lv !== 'PROVINCE' && lv !== 'CITY') return { ok: false, reason: 'bad-checkpoint', detail: `BOUNDARY_LEVEL "${lv}" is not PROVINCE or CITY` };
    if (!/^[GSX]\d+$/.test(roadId) || !/^K\d+$/.test(kIndex)) {
      return { ok: false, reason: 'bad-checkpoint', detail: `ROAD_ID "${roadId}" / K_INDEX "${kIndex}" do not name a checkpoint` };
    }
    level = lv;
    detail = get('BOUNDARY_DETAIL').trim();
    label = get('BOUNDARY_LABEL').trim();
    brand = get('BRAND').trim() || '未知';
    const ts = get('GCSJ_TS').trim();
    sourceTs = /^-?\d+$/.test(ts) ? Number(ts) : null;
    kkmcFixed = get('CLEAN_KKMC').trim() !== canonicalKkmc(roadId, kIndex, level);
  } else {
    const cp = checkpointFromRawKkmc(get('KKMC'));
    if (!cp) return { ok: false, reason: 'bad-checkpoint', detail: `KKMC "${get('KKMC').trim()}" is not one of the known checkpoints` };
    ({ roadId, kIndex, level, detail, label } = cp);
    brand = parseClppxh(get('CLPPXH')).brand;
  }
  const record: EtcPassage = {
    GCXH: gcxh.value,
    XZQHMC: get('XZQHMC').trim(),
    ROAD_ID: roadId,
    K_INDEX: kIndex,
    BOUNDARY_LEVEL: level,
    BOUNDARY_DETAIL: detail,
    BOUNDARY_LABEL: label,
    CLEAN_KKMC: canonicalKkmc(roadId, kIndex, level),
    FXLX: fxlx.value,
    GCSJ: time.value.text,
    GCSJ_TS: time.value.epochMs,
    GCSJ_MQ: time.value.text,
    HPZL: hpzl.code,
    HPZL_LABEL: hpzl.label,
    HPHM: plate.value,
    BRAND: brand,
    eventTime: time.value.epochMs,
  };
  return { ok: true, record, sourceTs, kkmcFixed };
}
