// The one input type of the pure pipeline logic, and a small CSV loader for tests and benches.
// The data helper's cleaner (pipeline/data/) may replace the loader; the type is the contract.
import { readdirSync, readFileSync } from 'node:fs';
import { beijingToEpoch, formatBeijingTime } from './beijing-time.ts';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export type BoundaryLevel = 'PROVINCE' | 'CITY';

export interface Passage {
  /** GCXH: unique passage id (filled rows start with 'F'). */
  gcxh: string;
  /** XZQHMC: county / police unit owning the checkpoint. */
  xzqhmc: string;
  /** CLEAN_KKMC: the checkpoint, e.g. "G3-K731-省际卡口". */
  checkpoint: string;
  boundaryLevel: BoundaryLevel;
  /** FXLX: driving direction, "1" or "2". */
  fxlx: string;
  /** GCSJ read as Beijing time (UTC+8), epoch ms. GCSJ_TS is 8 h off and never used. */
  eventTime: number;
  hpzl: string;
  hpzlLabel: string;
  /** HPHM: masked plate (苏C08***): many vehicles share one plate string. */
  plate: string;
  brand: string;
}

const GCSJ_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
/** "2023-12-09 00:00:32" (Beijing wall clock) → epoch ms; null when malformed or not a real date. */
export function parseBeijingTime(s: string): number | null {
  const m = GCSJ_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return beijingToEpoch(y, mo, d, h, mi, se);
}

export { formatBeijingTime };

export const REQUIRED_COLUMNS = ['GCXH', 'XZQHMC', 'CLEAN_KKMC', 'BOUNDARY_LEVEL', 'FXLX', 'GCSJ', 'HPZL', 'HPZL_LABEL', 'HPHM', 'BRAND'] as const;

export class PassageInputError extends Error {
  constructor(
    public readonly file: string,
    public readonly line: number,
    public readonly field: string,
    detail: string,
  ) {
    super(`${file}:${line}: ${field}: ${detail}`);
    this.name = 'PassageInputError';
  }
}

/** Parses one CSV file (UTF-8, optional BOM, header row). Throws PassageInputError on the first bad row. */
export function parsePassageCsv(text: string | Buffer, file: string): Passage[] {
  const rows = parse(text, { bom: true, columns: false, skip_empty_lines: true, relax_column_count: true }) as string[][];
  if (rows.length === 0) throw new PassageInputError(file, 1, 'header', 'empty file');
  const header = rows[0]!;
  const col = new Map(header.map((h, i) => [h.trim(), i]));
  for (const c of REQUIRED_COLUMNS) {
    if (!col.has(c)) throw new PassageInputError(file, 1, c, `missing column (header: ${header.join(',')})`);
  }
  const idx = (c: (typeof REQUIRED_COLUMNS)[number]) => col.get(c)!;
  const out: Passage[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    // skip_empty_lines keeps numbering aligned only without blank lines; the files have none, and the
    // cleaner owns exact provenance. Header is line 1, so data row r is line r + 1.
    const line = r + 1;
    if (row.length !== header.length) throw new PassageInputError(file, line, 'row', `${row.length} fields, header has ${header.length}`);
    const get = (c: (typeof REQUIRED_COLUMNS)[number]) => row[idx(c)]!.trim();
    const gcsj = get('GCSJ');
    const eventTime = parseBeijingTime(gcsj);
    if (eventTime === null) throw new PassageInputError(file, line, 'GCSJ', `not "YYYY-MM-DD HH:mm:ss": ${JSON.stringify(gcsj)}`);
    const level = get('BOUNDARY_LEVEL');
    if (level !== 'PROVINCE' && level !== 'CITY') throw new PassageInputError(file, line, 'BOUNDARY_LEVEL', `expected PROVINCE or CITY, got ${JSON.stringify(level)}`);
    const p: Passage = {
      gcxh: get('GCXH'),
      xzqhmc: get('XZQHMC'),
      checkpoint: get('CLEAN_KKMC'),
      boundaryLevel: level,
      fxlx: get('FXLX'),
      eventTime,
      hpzl: get('HPZL'),
      hpzlLabel: get('HPZL_LABEL'),
      plate: get('HPHM'),
      brand: get('BRAND'),
    };
    for (const [field, v] of [['GCXH', p.gcxh], ['CLEAN_KKMC', p.checkpoint], ['HPHM', p.plate]] as const) {
      if (v === '') throw new PassageInputError(file, line, field, 'empty');
    }
    out.push(p);
  }
  return out;
}

/** All *.csv files of a directory in name order (= date order), concatenated in file order. */
export function loadPassagesDir(dir: string): Passage[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new Error(`${dir}: no .csv files`);
  const out: Passage[] = [];
  for (const f of files) {
    const path = join(dir, f);
    for (const p of parsePassageCsv(readFileSync(path), path)) out.push(p);
  }
  return out;
}

/** <repo>/../shared/data/etc: where the user's ETC exports live next to the repo. */
export function defaultDataDir(repoRoot: string): string {
  return join(repoRoot, '..', 'shared', 'data', 'etc');
}
