import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { csvRow } from './csvline.ts';
import { GcxhIndex } from './dedupe.ts';
import { EtcFileError, openEtcFile, type Rejection } from './reader.ts';
import { CLEAN_COLUMNS, passageToRow } from './record.ts';

export const QUARANTINE_COLUMNS = ['file', 'line', 'reason', 'detail', 'raw'] as const;

export interface CleanFileResult {
  file: string;
  input: string;
  output?: string;
  quarantine?: string;
  rows: number;
  written: number;
  quarantined: Record<string, number>;
  bytes: number;
  error?: string;
}

/** Buffers small writes into large ones and honours back-pressure. */
class BufferedOut {
  private buf: string[] = [];
  private size = 0;
  private readonly stream: WriteStream;
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  async line(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 18) await this.flush();
  }
  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', r));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
  }
}

export function quarantineName(file: string): string {
  return basename(file).replace(/\.csv$/i, '') + '.quarantine.csv';
}

export function quarantineRow(r: Rejection): string {
  return csvRow([r.file, String(r.line), r.reason, r.detail, r.raw]);
}

export interface CleanOptions {
  outDir: string;
  onFile?: (r: CleanFileResult) => void;
}

/**
 * Writes a cleaned 16-column CSV (UTF-8 with BOM, as the user's exports) and a quarantine CSV per input.
 * GCSJ_TS is recomputed; a repeated GCXH keeps its first occurrence (in input order, across files).
 */
export async function cleanFiles(paths: readonly string[], opts: CleanOptions): Promise<CleanFileResult[]> {
  await mkdir(opts.outDir, { recursive: true });
  const index = new GcxhIndex();
  const results: CleanFileResult[] = [];
  const used = new Set<string>();
  for (const input of paths) {
    const file = basename(input);
    const res: CleanFileResult = { file, input, rows: 0, written: 0, quarantined: {}, bytes: 0 };
    results.push(res);
    const output = resolve(opts.outDir, file);
    if (output === resolve(input)) throw new Error(`${file}: output would overwrite the input; choose another --out directory`);
    if (used.has(output)) throw new Error(`${file}: two inputs share this name; clean them into separate --out directories`);
    used.add(output);
    let opened;
    try {
      opened = await openEtcFile(input);
    } catch (e) {
      if (!(e instanceof EtcFileError)) throw e;
      res.error = e.message;
      opts.onFile?.(res);
      continue;
    }
    res.bytes = opened.bytes;
    res.output = output;
    res.quarantine = join(opts.outDir, quarantineName(file));
    const out = new BufferedOut(output);
    const q = new BufferedOut(res.quarantine);
    await out.line('\uFEFF' + CLEAN_COLUMNS.join(','));
    await q.line('\uFEFF' + QUARANTINE_COLUMNS.join(','));
    const quarantine = async (r: Rejection) => {
      res.quarantined[r.reason] = (res.quarantined[r.reason] ?? 0) + 1;
      await q.line(quarantineRow(r));
    };
    try {
      for await (const ev of opened.rows()) {
        res.rows++;
        if (ev.kind === 'reject') { await quarantine(ev); continue; }
        const prev = index.see(ev.record.GCXH, ev.file, ev.line);
        if (prev) {
          await quarantine({ file: ev.file, line: ev.line, reason: 'duplicate-gcxh', detail: `GCXH ${ev.record.GCXH} first seen at ${prev.file}:${prev.line}`, raw: ev.raw });
          continue;
        }
        await out.line(csvRow(passageToRow(ev.record)));
        res.written++;
      }
    } finally {
      await out.close();
      await q.close();
    }
    opts.onFile?.(res);
  }
  return results;
}
