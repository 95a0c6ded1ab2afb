import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import iconv from 'iconv-lite';
import { splitCsvRecord } from './csvline.ts';
import { detectHeader, type HeaderLayout } from './header.ts';
import { normaliseRow } from './normalise.ts';
import type { EtcPassage } from './record.ts';
import type { RejectReason } from './rules.ts';

export type FileErrorCode = 'empty' | 'not-csv' | 'no-header' | 'io';

/** A problem with a whole file (as opposed to a row); the message always names the file. */
export class EtcFileError extends Error {
  constructor(readonly file: string, readonly code: FileErrorCode, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'EtcFileError';
  }
}

export interface Rejection {
  file: string;
  line: number;
  reason: RejectReason;
  detail: string;
  /** The offending physical line(s), decoded, without the line terminator. */
  raw: string;
}

export function formatRejection(r: Rejection): string {
  return `${r.file}:${r.line}: ${r.reason}: ${r.detail}`;
}

export type ReadEvent =
  | { kind: 'record'; file: string; line: number; record: EtcPassage; sourceTs: number | null; kkmcFixed: boolean; raw: string }
  | ({ kind: 'reject' } & Rejection);

export type Encoding = 'utf-8' | 'gb18030';

export interface OpenedEtcFile {
  file: string;
  encoding: Encoding;
  bom: boolean;
  bytes: number;
  layout: HeaderLayout;
  /** Rows after the header, in file order. Never throws for a bad row; I/O errors still throw. */
  rows(): AsyncGenerator<ReadEvent>;
}

const SNIFF_BYTES = 64 * 1024;
// A quoted field may legitimately hold a newline; more than this many physical lines means a stray quote.
const MAX_LINES_PER_RECORD = 4;

/** Chooses the text encoding from a sample; throws EtcFileError for binary content. */
export function sniffEncoding(file: string, sample: Buffer): { encoding: Encoding; bom: boolean } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw new EtcFileError(file, 'not-csv', 'looks like UTF-16 text; save it as UTF-8 or GBK CSV');
  }
  let control = 0;
  for (const b of sample) {
    if (b === 0) throw new EtcFileError(file, 'not-csv', 'contains NUL bytes: binary data, not a CSV file');
    if ((b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f)) control++;
  }
  if (control > sample.length / 100) throw new EtcFileError(file, 'not-csv', `${control} control bytes in the first ${sample.length}: not a CSV file`);
  // Drop a possibly cut multi-byte sequence at the end of the sample before the strict check.
  let end = sample.length;
  if (sample.length === SNIFF_BYTES) while (end > 0 && end > sample.length - 4 && (sample[end - 1] & 0xc0) === 0x80) end--;
  if (sample.length === SNIFF_BYTES && end > 0 && sample[end - 1] >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return { encoding: 'utf-8', bom: false };
  } catch {
    const text = iconv.decode(sample, 'gb18030');
    const bad = (text.match(/\uFFFD/g) ?? []).length;
    if (bad > 2) throw new EtcFileError(file, 'not-csv', 'is neither UTF-8 nor GBK text: not a CSV file');
    return { encoding: 'gb18030', bom: false };
  }
}

interface TextDecoderLike { write(b: Buffer): string; end(): string | undefined }

function decoderFor(encoding: Encoding): TextDecoderLike {
  if (encoding === 'utf-8') return new StringDecoder('utf8');
  const d = iconv.getDecoder('gb18030');
  return { write: (b) => d.write(b), end: () => d.end() };
}

/** Physical lines of a file with 1-based numbers; CRLF and LF both end a line. */
async function* physicalLines(path: string, encoding: Encoding, skipBytes: number): AsyncGenerator<string> {
  const decoder = decoderFor(encoding);
  let carry = '';
  for await (const chunk of createReadStream(path, { start: skipBytes, highWaterMark: 1 << 20 })) {
    const text = carry + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  const rest = carry + (decoder.end() ?? '');
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

export interface OpenOptions {
  /** Name to use in messages and rejections; defaults to the file's base name. */
  displayName?: string;
}

/**
 * Opens an ETC export (cleaned 16-column or raw 8-column; UTF-8 with/without BOM or GBK).
 * File-level problems (empty, binary, no recognisable header) throw EtcFileError here, before any row.
 */
export async function openEtcFile(path: string, opts: OpenOptions = {}): Promise<OpenedEtcFile> {
  const file = opts.displayName ?? basename(path);
  let sample: Buffer;
  let bytes: number;
  try {
    const fh = await open(path, 'r');
    try {
      bytes = (await fh.stat()).size;
      const buf = Buffer.alloc(Math.min(SNIFF_BYTES, bytes));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      sample = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new EtcFileError(file, 'io', `cannot read: ${(e as Error).message}`);
  }
  if (bytes === 0) throw new EtcFileError(file, 'empty', 'is empty (0 bytes)');
  const { encoding, bom } = sniffEncoding(file, sample);
  const skip = bom ? 3 : 0;

  const lines = physicalLines(path, encoding, skip);
  let headerLine = 0;
  let header: string | undefined;
  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    headerLine++;
    if (next.value.trim() !== '') { header = next.value; break; }
  }
  if (header === undefined) throw new EtcFileError(file, 'empty', 'has no header line (only blank lines)');
  const fields = splitCsvRecord(header);
  const detected = fields ? detectHeader(fields) : { ok: false as const, message: 'header line has an unterminated quote' };
  if (!detected.ok) throw new EtcFileError(file, 'no-header', `line ${headerLine}: ${detected.message}`);
  const layout = detected.layout;

  async function* rows(): AsyncGenerator<ReadEvent> {
    let lineNo = headerLine;
    // Lines of a record whose quoted field is still open, waiting for its continuation.
    const pending: { line: number; text: string }[] = [];
    function* emit(line: number, raw: string, split: string[]): Generator<ReadEvent> {
      const r = normaliseRow(split, layout);
      if (r.ok) yield { kind: 'record', file, line, record: r.record, sourceTs: r.sourceTs, kkmcFixed: r.kkmcFixed, raw };
      else yield { kind: 'reject', file, line, reason: r.reason, detail: r.detail, raw };
    }
    function* feed(line: number, text: string): Generator<ReadEvent> {
      if (pending.length === 0) {
        if (text.trim() === '') return;
        const split = splitCsvRecord(text);
        if (split) { yield* emit(line, text, split); return; }
        pending.push({ line, text });
        return;
      }
      pending.push({ line, text });
      const joined = pending.map((p) => p.text).join('\n');
      const split = splitCsvRecord(joined);
      if (split) { const first = pending[0].line; pending.length = 0; yield* emit(first, joined, split); return; }
      if (pending.length >= MAX_LINES_PER_RECORD) yield* flushUnterminated();
    }
    function* flushUnterminated(): Generator<ReadEvent> {
      const [bad, ...rest] = pending.splice(0);
      yield { kind: 'reject', file, line: bad.line, reason: 'unterminated-quote', detail: 'a quoted field is never closed', raw: bad.text };
      for (const r of rest) yield* feed(r.line, r.text);
    }
    for await (const text of lines) {
      lineNo++;
      yield* feed(lineNo, text);
    }
    while (pending.length > 0) yield* flushUnterminated();
  }
  return { file, encoding, bom, bytes, layout, rows };
}
