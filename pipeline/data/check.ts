import { createHash } from 'node:crypto';
import { GcxhIndex } from './dedupe.ts';
import { dayFromFileName, findGaps, missingDays, type Gap } from './gaps.ts';
import { EtcFileError, formatRejection, openEtcFile, type ReadEvent } from './reader.ts';
import { beijingDate } from './rules.ts';

export const GAP_THRESHOLD_MS = 30 * 60_000;
const EXAMPLES_PER_REASON = 3;

export interface FileCheck {
  file: string;
  path: string;
  error?: string;
  encoding?: string;
  bom?: boolean;
  format?: string;
  rows: number;
  accepted: number;
  rejected: Record<string, number>;
  examples: string[];
  duplicatesWithin: number;
  duplicatesAcross: number;
  failingPlates: Record<string, number>;
  first?: string;
  last?: string;
  day?: string;
  /** Rows whose Beijing date differs from the date in the file name. */
  offDayRows: number;
  offDays: Record<string, number>;
  gaps: Gap[];
  perCheckpoint: Record<string, number>;
  /** Rows whose CLEAN_KKMC was not road-K-level and got rewritten. */
  checkpointIdsFixed: Record<string, number>;
  /** Rows whose GCSJ_TS is not GCSJ read as Beijing time, by (GCSJ_TS − correct) in ms. */
  tsDisagree: number;
  tsOffsets: Record<string, number>;
  /** Order-independent hash of the passages ignoring the date and GCXH: equal hashes mean one day's data copied to another date. */
  contentFingerprint: string;
}

export interface CheckReport {
  files: FileCheck[];
  total: Omit<FileCheck, 'file' | 'path' | 'error' | 'encoding' | 'bom' | 'format' | 'gaps' | 'first' | 'last' | 'day'> & {
    files: number;
    fileErrors: number;
    first?: string;
    last?: string;
    gapCount: number;
    gapMinutes: number;
    missingDays: string[];
    /** Groups of files whose passages are identical apart from the date (copies, not real traffic). */
    sameContent: string[][];
  };
}

const inc = (m: Record<string, number>, k: string, n = 1) => { m[k] = (m[k] ?? 0) + n; };

function emptyFile(file: string, path: string): FileCheck {
  return {
    file, path, rows: 0, accepted: 0, rejected: {}, examples: [], duplicatesWithin: 0, duplicatesAcross: 0,
    failingPlates: {}, offDayRows: 0, offDays: {}, gaps: [], perCheckpoint: {}, checkpointIdsFixed: {},
    tsDisagree: 0, tsOffsets: {}, contentFingerprint: '',
  };
}

/** Folds one file's events into its check; `index` is shared across files for duplicate detection. */
export class FileChecker {
  readonly result: FileCheck;
  private readonly times: number[] = [];
  private readonly exampleCount: Record<string, number> = {};
  private first = Infinity;
  private last = -Infinity;
  private readonly contentKeys: string[] = [];

  constructor(file: string, path: string, private readonly index: GcxhIndex) {
    this.result = emptyFile(file, path);
    this.result.day = dayFromFileName(file);
  }

  private reject(reason: string, message: string) {
    inc(this.result.rejected, reason);
    if ((this.exampleCount[reason] = (this.exampleCount[reason] ?? 0) + 1) <= EXAMPLES_PER_REASON) this.result.examples.push(message);
  }

  add(ev: ReadEvent): void {
    const r = this.result;
    r.rows++;
    if (ev.kind === 'reject') {
      this.reject(ev.reason, formatRejection(ev));
      if (ev.reason === 'bad-plate') inc(r.failingPlates, /"(.*)"/.exec(ev.detail)?.[1] ?? '');
      return;
    }
    const rec = ev.record;
    const prev = this.index.see(rec.GCXH, ev.file, ev.line);
    if (prev) {
      if (prev.file === ev.file) r.duplicatesWithin++;
      else r.duplicatesAcross++;
      this.reject('duplicate-gcxh', `${ev.file}:${ev.line}: duplicate-gcxh: GCXH ${rec.GCXH} first seen at ${prev.file}:${prev.line}`);
      return;
    }
    r.accepted++;
    this.contentKeys.push(`${rec.GCSJ.slice(11)}|${rec.HPHM}|${rec.CLEAN_KKMC}|${rec.FXLX}|${rec.HPZL}`);
    this.times.push(rec.eventTime);
    if (rec.eventTime < this.first) { this.first = rec.eventTime; r.first = rec.GCSJ; }
    if (rec.eventTime > this.last) { this.last = rec.eventTime; r.last = rec.GCSJ; }
    inc(r.perCheckpoint, rec.CLEAN_KKMC);
    if (ev.kkmcFixed) inc(r.checkpointIdsFixed, rec.CLEAN_KKMC);
    const d = beijingDate(rec.eventTime);
    if (r.day && d !== r.day) { r.offDayRows++; inc(r.offDays, d); }
    if (ev.sourceTs !== null && ev.sourceTs !== rec.GCSJ_TS) {
      r.tsDisagree++;
      inc(r.tsOffsets, String(ev.sourceTs - rec.GCSJ_TS));
    }
  }

  finish(): FileCheck {
    this.times.sort((a, b) => a - b);
    // Only measure day-edge gaps against the file-name date if the data is actually from that day.
    const day = this.result.day && this.times.length > 0 && beijingDate(this.times[0]) === this.result.day ? this.result.day : undefined;
    this.result.gaps = findGaps(this.times, GAP_THRESHOLD_MS, day);
    this.result.contentFingerprint = this.contentKeys.length > 0
      ? createHash('sha1').update(this.contentKeys.sort().join('\n')).digest('hex').slice(0, 16)
      : '';
    return this.result;
  }
}

export async function checkFiles(paths: readonly string[], onFile?: (f: FileCheck) => void): Promise<CheckReport> {
  const index = new GcxhIndex();
  const files: FileCheck[] = [];
  for (const path of paths) {
    const name = path.split('/').pop() ?? path;
    let fc: FileCheck;
    try {
      const opened = await openEtcFile(path);
      const checker = new FileChecker(opened.file, path, index);
      for await (const ev of opened.rows()) checker.add(ev);
      fc = checker.finish();
      Object.assign(fc, { encoding: opened.encoding, bom: opened.bom, format: opened.layout.format });
    } catch (e) {
      if (!(e instanceof EtcFileError)) throw e;
      fc = emptyFile(name, path);
      fc.error = e.message;
    }
    files.push(fc);
    onFile?.(fc);
  }
  return { files, total: totals(files) };
}

function totals(files: FileCheck[]): CheckReport['total'] {
  const t: CheckReport['total'] = {
    ...emptyFile('', ''), files: files.length, fileErrors: 0, gapCount: 0, gapMinutes: 0, missingDays: [], sameContent: [],
  };
  const byPrint = new Map<string, string[]>();
  const days: string[] = [];
  for (const f of files) {
    if (f.error) t.fileErrors++;
    if (f.contentFingerprint) byPrint.set(f.contentFingerprint, [...(byPrint.get(f.contentFingerprint) ?? []), f.file]);
    t.rows += f.rows; t.accepted += f.accepted;
    t.duplicatesWithin += f.duplicatesWithin; t.duplicatesAcross += f.duplicatesAcross;
    t.offDayRows += f.offDayRows; t.tsDisagree += f.tsDisagree;
    t.gapCount += f.gaps.length; t.gapMinutes += f.gaps.reduce((s, g) => s + g.minutes, 0);
    for (const [k, v] of Object.entries(f.rejected)) inc(t.rejected, k, v);
    for (const [k, v] of Object.entries(f.failingPlates)) inc(t.failingPlates, k, v);
    for (const [k, v] of Object.entries(f.perCheckpoint)) inc(t.perCheckpoint, k, v);
    for (const [k, v] of Object.entries(f.checkpointIdsFixed)) inc(t.checkpointIdsFixed, k, v);
    for (const [k, v] of Object.entries(f.tsOffsets)) inc(t.tsOffsets, k, v);
    for (const [k, v] of Object.entries(f.offDays)) inc(t.offDays, k, v);
    if (f.first && (!t.first || f.first < t.first)) t.first = f.first;
    if (f.last && (!t.last || f.last > t.last)) t.last = f.last;
    if (f.first) days.push(f.first.slice(0, 10));
    if (f.last) days.push(f.last.slice(0, 10));
  }
  t.missingDays = missingDays(days);
  t.sameContent = [...byPrint.values()].filter((g) => g.length > 1);
  return t;
}
