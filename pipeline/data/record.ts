/** Column names of the cleaned 16-column export, in the order the user's tools write them. */
export const CLEAN_COLUMNS = [
  'GCXH', 'XZQHMC', 'ROAD_ID', 'K_INDEX', 'BOUNDARY_LEVEL', 'BOUNDARY_DETAIL', 'BOUNDARY_LABEL',
  'CLEAN_KKMC', 'FXLX', 'GCSJ', 'GCSJ_TS', 'GCSJ_MQ', 'HPZL', 'HPZL_LABEL', 'HPHM', 'BRAND',
] as const;
export type CleanColumn = (typeof CLEAN_COLUMNS)[number];

/** Column names of the raw 8-column export (one unique id, district, checkpoint, direction, time, plate type, plate, make/model). */
export const RAW_COLUMNS = ['GCXH', 'XZQHMC', 'KKMC', 'FXLX', 'GCSJ', 'HPZL', 'HPHM', 'CLPPXH'] as const;
export type RawColumn = (typeof RAW_COLUMNS)[number];

export type HpzlCode = '01' | '02' | '13' | '22' | '51' | '52' | '未知';
export type BoundaryLevel = 'PROVINCE' | 'CITY';

/** One vehicle passage at a checkpoint after cleaning. */
export interface EtcPassage {
  GCXH: string;
  XZQHMC: string;
  ROAD_ID: string;
  K_INDEX: string;
  BOUNDARY_LEVEL: BoundaryLevel;
  BOUNDARY_DETAIL: string;
  BOUNDARY_LABEL: string;
  CLEAN_KKMC: string;
  FXLX: 1 | 2;
  /** Beijing wall-clock time, `YYYY-MM-DD HH:mm:ss`. */
  GCSJ: string;
  /** Epoch ms of GCSJ read as Asia/Shanghai; always recomputed, never taken from the input. */
  GCSJ_TS: number;
  GCSJ_MQ: string;
  HPZL: HpzlCode;
  HPZL_LABEL: string;
  HPHM: string;
  BRAND: string;
  /** Same instant as GCSJ_TS; the name downstream code should use. */
  eventTime: number;
}

/** The 16 columns as strings, in CLEAN_COLUMNS order, for CSV output. */
export function passageToRow(p: EtcPassage): string[] {
  return CLEAN_COLUMNS.map((c) => String(p[c]));
}

/**
 * Kafka message body: the 16 cleaned columns under their CSV names (GCSJ_TS a number, FXLX a number).
 * eventTime is left out because it equals GCSJ_TS.
 */
export function passageToMessage(p: EtcPassage): Record<CleanColumn, string | number> {
  const out = {} as Record<CleanColumn, string | number>;
  for (const c of CLEAN_COLUMNS) out[c] = p[c];
  return out;
}
