// A replayed Kafka message → the passage the core logic takes plus the 16 cleaned columns the stores keep.
import type { CloneAlert } from '../core/clone-detector.ts';
import type { Passage } from '../core/passage.ts';
import { CLEAN_COLUMNS, type CleanColumn } from '../data/record.ts';

export type CleanRow = Record<CleanColumn, string | number>;

export interface DecodedRecord {
  offset: number;
  passage: Passage;
  row: CleanRow;
  /** Clone alerts this passage raised (set by the consumer's detector; Redis and MySQL store them). */
  alerts?: CloneAlert[];
}

export class MessageError extends Error {
  constructor(
    readonly where: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${where}: ${field}: ${detail}`);
    this.name = 'MessageError';
  }
}

const REQUIRED_TEXT: CleanColumn[] = ['GCXH', 'CLEAN_KKMC', 'HPHM', 'GCSJ'];

/** `where` names the message for errors: "etc_traffic_data[2]@1234". */
export function decodeMessage(value: Buffer | string | null, offset: number, where: string): DecodedRecord {
  if (value === null) throw new MessageError(where, 'value', 'empty message (tombstone)');
  let obj: unknown;
  try {
    obj = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (e) {
    throw new MessageError(where, 'value', `not JSON (${(e as Error).message})`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new MessageError(where, 'value', 'not a JSON object');
  const o = obj as Record<string, unknown>;
  const row = {} as CleanRow;
  for (const c of CLEAN_COLUMNS) {
    const v = o[c];
    if (typeof v !== 'string' && typeof v !== 'number') throw new MessageError(where, c, `missing or not a string/number (${JSON.stringify(v)})`);
    row[c] = v;
  }
  for (const c of REQUIRED_TEXT) if (String(row[c]).trim() === '') throw new MessageError(where, c, 'empty');
  const ts = Number(row.GCSJ_TS);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new MessageError(where, 'GCSJ_TS', `not an epoch-ms integer: ${JSON.stringify(row.GCSJ_TS)}`);
  const level = row.BOUNDARY_LEVEL;
  if (level !== 'PROVINCE' && level !== 'CITY') throw new MessageError(where, 'BOUNDARY_LEVEL', `expected PROVINCE or CITY, got ${JSON.stringify(level)}`);
  const passage: Passage = {
    gcxh: String(row.GCXH),
    xzqhmc: String(row.XZQHMC),
    checkpoint: String(row.CLEAN_KKMC),
    boundaryLevel: level,
    fxlx: String(row.FXLX),
    eventTime: ts,
    hpzl: String(row.HPZL),
    hpzlLabel: String(row.HPZL_LABEL),
    plate: String(row.HPHM),
    brand: String(row.BRAND),
  };
  return { offset, passage, row };
}
