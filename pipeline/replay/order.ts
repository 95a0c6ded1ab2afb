// The order rows leave in. `time` (the default) merges every input into one stream ordered by event time,
// as a live feed would send it; `file` keeps each file's own order, file after file (what exercises the
// pipeline's tolerance of out-of-order input).
//
// Time order is an external sort: rows are read file by file, sorted in chunks of `chunkRows`, each chunk
// spilled to a temporary file, and the chunks merged with a heap. Memory is one chunk plus one line per
// chunk file, whatever the input's length or disorder; the disk holds the cleaned rows once.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcFileError, openEtcFile, type ReadEvent, type Rejection } from '../data/reader.ts';
import type { EtcPassage } from '../data/record.ts';
import { splitCsvRecord } from '../data/csvline.ts';
import type { HeaderLayout } from '../data/header.ts';
import { normaliseRow } from '../data/normalise.ts';
import { flat } from '../data/dedupe.ts';

export type ReplayOrder = 'time' | 'file';
export const REPLAY_ORDERS: readonly ReplayOrder[] = ['time', 'file'];

/** A row read from input `fileIndex` (position in the expanded input list). */
export type SourceItem =
  | { kind: 'record'; path: string; fileIndex: number; line: number; record: EtcPassage; raw: string }
  | ({ kind: 'reject'; path: string; fileIndex: number } & Rejection)
  | { kind: 'file-error'; path: string; fileIndex: number; message: string };

/** Where a row stands in time order: event time, then input position, then line. */
export interface TimeKey {
  eventTime: number;
  fileIndex: number;
  line: number;
}

export function compareTimeKeys(a: TimeKey, b: TimeKey): number {
  return a.eventTime - b.eventTime || a.fileIndex - b.fileIndex || a.line - b.line;
}

async function* readFileItems(path: string, fileIndex: number, onLayout?: (l: HeaderLayout) => void): AsyncGenerator<SourceItem> {
  let rows: AsyncGenerator<ReadEvent>;
  try {
    const opened = await openEtcFile(path);
    onLayout?.(opened.layout);
    rows = opened.rows();
  } catch (e) {
    if (!(e instanceof EtcFileError)) throw e;
    yield { kind: 'file-error', path, fileIndex, message: e.message };
    return;
  }
  for await (const ev of rows) {
    if (ev.kind === 'record') yield { kind: 'record', path, fileIndex, line: ev.line, record: ev.record, raw: ev.raw };
    else yield { ...ev, path, fileIndex };
  }
}

/** Every file's rows in file order, file after file. */
export async function* fileOrder(files: readonly string[]): AsyncGenerator<SourceItem> {
  for (let i = 0; i < files.length; i++) yield* readFileItems(files[i]!, i);
}

export interface TimeOrderOptions {
  /** Rows sorted in memory before a chunk is spilled. */
  chunkRows?: number;
  /** Parent of the spill directory (removed when the generator ends). */
  tmpDir?: string;
  /** Called while reading, before the first row leaves: rows read so far. */
  onRead?: (rows: number) => void;
}

// A spilled row keeps its raw text only (a parsed record weighs several times more) and is cleaned again
// when it leaves the merge: the same text through the same rules gives the same record.
type Spilled = [number, number, number, string];

/** Spilled rows in time order: (event time, input, line), as compareTimeKeys orders keys. */
const bySpilledKey = (a: Spilled, b: Spilled) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Every file's rejects and file errors first (in file order, as they are read), then every record in
 * event-time order; ties by input position and line, so the order is the same on every run (resume
 * relies on it).
 */
export async function* timeOrder(files: readonly string[], o: TimeOrderOptions = {}): AsyncGenerator<SourceItem> {
  const chunkRows = o.chunkRows ?? 20_000;
  const dir = mkdtempSync(join(o.tmpDir ?? tmpdir(), 'etclab-replay-sort-'));
  try {
    const chunks: string[] = [];
    let buf: Spilled[] = [];
    let read = 0;
    const spill = async () => {
      if (buf.length === 0) return;
      buf.sort(bySpilledKey);
      const file = join(dir, `chunk-${chunks.length}.jsonl`);
      const out = createWriteStream(file);
      for (const row of buf) if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      chunks.push(file);
      buf = [];
    };
    const layouts: HeaderLayout[] = [];
    for (let i = 0; i < files.length; i++) {
      for await (const item of readFileItems(files[i]!, i, (l) => (layouts[i] = l))) {
        if (item.kind !== 'record') { yield item; continue; }
        buf.push([item.record.eventTime, i, item.line, flat(item.raw)]);
        if (++read % 10_000 === 0) o.onRead?.(read);
        if (buf.length >= chunkRows) await spill();
      }
    }
    o.onRead?.(read);
    await spill();
    yield* mergeChunks(chunks, files, layouts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** k-way merge of sorted chunk files with a binary heap on (time, file, line). */
async function* mergeChunks(chunks: string[], files: readonly string[], layouts: HeaderLayout[]): AsyncGenerator<SourceItem> {
  const readers = await Promise.all(chunks.map((f) => LineReader.open(f)));
  const heap: Array<{ row: Spilled; r: number }> = [];
  const less = bySpilledKey;
  const push = (e: { row: Spilled; r: number }) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (less(heap[p]!.row, heap[i]!.row) <= 0) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!.row, heap[m]!.row) < 0) m = l;
        if (r < heap.length && less(heap[r]!.row, heap[m]!.row) < 0) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  const next = async (r: number) => {
    const line = await readers[r]!.next();
    if (line !== null) push({ row: JSON.parse(line) as Spilled, r });
    else await readers[r]!.close();
  };
  for (let r = 0; r < readers.length; r++) await next(r);
  try {
    while (heap.length > 0) {
      const { row, r } = pop();
      const [, fileIndex, line, raw] = row;
      const again = normaliseRow(splitCsvRecord(raw) ?? [], layouts[fileIndex]!);
      if (!again.ok) throw new Error(`${files[fileIndex]}:${line}: cleaned differently when read back from the sort (${again.detail})`);
      yield { kind: 'record', path: files[fileIndex]!, fileIndex, line, record: again.record, raw };
      await next(r);
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

/**
 * Lines of a file, read 64 KiB at a time only when asked for: a merge pulls from many chunk files at
 * uneven speeds, and a stream-fed reader would buffer whatever a slow one has not consumed yet.
 */
class LineReader {
  private buf = '';
  private done = false;
  private closed = false;
  private readonly chunk = Buffer.alloc(64 * 1024);
  private readonly decoder = new StringDecoder('utf8');
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<LineReader> {
    return new LineReader(await open(path, 'r'));
  }

  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl !== -1) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        return line;
      }
      if (this.done) {
        if (this.buf === '') return null;
        const last = this.buf;
        this.buf = '';
        return last;
      }
      const { bytesRead } = await this.fh.read(this.chunk, 0, this.chunk.length, null);
      if (bytesRead === 0) {
        this.done = true;
        this.buf += this.decoder.end();
      } else this.buf += this.decoder.write(this.chunk.subarray(0, bytesRead));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}
