import { appendFileSync, existsSync, mkdirSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DEFAULT_TOPIC } from '../contract/index.ts';
import { GcxhIndex } from '../data/dedupe.ts';
import { quarantineName, quarantineRow, QUARANTINE_COLUMNS } from '../data/clean.ts';
import { DEFAULT_DATA_DIR, expandInputs } from '../data/inputs.ts';
import type { Rejection } from '../data/reader.ts';
import { passageToMessage } from '../data/record.ts';
import { Pacer, type Progress } from './pacing.ts';
import { kafkaSink, type Compression, type MessageSink, type OutMessage } from './sink.ts';
import { compareTimeKeys, fileOrder, timeOrder, type ReplayOrder, type SourceItem, type TimeKey } from './order.ts';
import { emptyState, loadState, resumePoints, resumeTimeKey, saveState, type ReplayState } from './state.ts';

export { DEFAULT_TOPIC };
export const DEFAULT_RATE = 50;

export interface ReplayOptions {
  /** Files or directories; default the shared data set. */
  inputs?: string[];
  topic?: string;
  brokers?: string[];
  /** `time` (default): all inputs merged by event time; `file`: file after file, each in its own order. */
  order?: ReplayOrder;
  /** Time order: rows sorted in memory per spilled chunk. */
  sortChunkRows?: number;
  /** Rows per second; 0 = unlimited. Default 50, unless `speed` is given. */
  rate?: number;
  /** Event-time multiple (60 = one event minute per second). */
  speed?: number;
  /** Stop after sending this many rows in this run. */
  max?: number;
  resume?: boolean;
  /** Read, validate and count only: no Kafka, no files written. */
  dryRun?: boolean;
  stateFile?: string;
  quarantineDir?: string;
  batchSize?: number;
  /** A batch waits at most this long for more rows: a row due later goes in the next batch. */
  lingerMs?: number;
  compression?: Compression;
  clientId?: string;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
  log?: (line: string) => void;
  /** Replaces the Kafka producer; used by tests of the loop itself. */
  sink?: MessageSink;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ReplaySummary {
  files: number;
  sent: number;
  rejected: Record<string, number>;
  skipped: number;
  fileErrors: string[];
  stopped: 'done' | 'max' | 'signal';
  order: ReplayOrder;
  elapsedMs: number;
  /** Peak resident memory of this process (MiB), sorting included. */
  peakRssMiB: number;
  stateFile?: string;
  quarantineDir?: string;
}

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    if (ms <= 0 || signal?.aborted) return res();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); res(); }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Lines after the header in a file: a cheap total for the ETA (blank lines make it a slight overestimate). */
async function countDataLines(path: string): Promise<number> {
  let n = 0;
  let lastByte = 10;
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
    if (b.length) lastByte = b[b.length - 1];
  }
  if (lastByte !== 10) n++;
  return Math.max(0, n - 1);
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  const topic = opts.topic ?? DEFAULT_TOPIC;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const log = opts.log ?? (() => {});
  const dry = !!opts.dryRun;
  const order = opts.order ?? 'time';
  const rate = opts.rate ?? (opts.speed ? 0 : DEFAULT_RATE);
  const batchSize = opts.batchSize ?? 500;
  const lingerMs = opts.lingerMs ?? 20;
  const stateFile = resolve(opts.stateFile ?? '.lab/replay/state.json');
  const quarantineDir = resolve(opts.quarantineDir ?? '.lab/replay/quarantine');
  if (opts.max !== undefined && !(opts.max >= 0)) throw new Error(`--max must be >= 0, got ${opts.max}`);
  if (rate < 0) throw new Error(`--rate must be >= 0, got ${rate}`);
  if (order !== 'time' && order !== 'file') throw new Error(`--order must be time or file, got ${JSON.stringify(order)}`);
  if (order === 'file' && opts.speed) throw new Error('--speed replays event time, which only moves forward in --order time; with --order file pace by --rate');

  const files = await expandInputs(opts.inputs?.length ? opts.inputs : [DEFAULT_DATA_DIR]);
  if (files.length === 0) throw new Error(`no CSV files in ${(opts.inputs ?? [DEFAULT_DATA_DIR]).join(' ')}`);

  let state: ReplayState = emptyState(topic, order);
  let skipThrough = new Map<string, number>();
  let timeSkip: TimeKey | null = null;
  let resuming = false;
  if (opts.resume) {
    const saved = loadState(stateFile);
    if (!saved) log(`no replay state at ${stateFile}; starting from the beginning`);
    else {
      if (order === 'file') skipThrough = resumePoints(saved, topic, files);
      else timeSkip = resumeTimeKey(saved, topic, files);
      state = saved;
      resuming = true;
    }
  }
  if (order === 'time' && !resuming) {
    state.inputs = [...files];
    for (const f of files) {
      const st = statSync(f);
      state.files[f] = { size: st.size, mtimeMs: st.mtimeMs, ackedLine: 0 };
    }
  }
  let total = 0;
  for (const f of files) total += await countDataLines(f);
  total -= [...skipThrough.values()].reduce((s, l) => s + Math.max(0, l - 1), 0);
  if (opts.max !== undefined) total = Math.min(total, opts.max);

  if (!opts.brokers?.length && !dry && !opts.sink) throw new Error('no Kafka brokers given (--brokers host:port,...)');
  const sink = dry ? undefined : (opts.sink ?? (await kafkaSink({ brokers: opts.brokers!, topic, compression: opts.compression ?? 'gzip', clientId: opts.clientId, log })));

  const pacer = new Pacer({ rate, speed: opts.speed, burst: rate ? Math.max(1, Math.round(rate / 10)) : 1 });
  const index = new GcxhIndex();
  const summary: ReplaySummary = {
    files: files.length, sent: 0, rejected: {}, skipped: 0, fileErrors: [], stopped: 'done', order, elapsedMs: 0, peakRssMiB: 0,
    stateFile: dry ? undefined : stateFile, quarantineDir: dry ? undefined : quarantineDir,
  };
  const started = now();
  let lastProgress = 0;
  const report = (force = false) => {
    if (!opts.progress) return;
    const t = now();
    if (!force && t - lastProgress < 1000) return;
    lastProgress = t;
    const rejected = Object.values(summary.rejected).reduce((a, b) => a + b, 0);
    opts.progress({ sent: summary.sent, rejected, skipped: summary.skipped, elapsedMs: t - started, total });
  };

  // The batch being filled: messages plus what it acknowledges once sent (file order: per file, the last
  // line it accounts for; time order: its last row).
  let batch: OutMessage[] = [];
  let batchOpenedAt = 0;
  const through = new Map<string, number>();
  let timeThrough: ReplayState['timeAcked'];
  // One batch on the wire while the next one is read and built: reading and acks overlap, and batches
  // still leave (and are acknowledged, and saved to the resume state) strictly in order.
  let inFlight: Promise<void> = Promise.resolve();
  let inFlightRows = 0;
  const flush = async () => {
    if (dry) { batch = []; through.clear(); return; }
    const out = batch;
    const upTo = new Map(through);
    const upToTime = timeThrough;
    batch = [];
    through.clear();
    timeThrough = undefined;
    await inFlight;
    inFlightRows = out.length;
    inFlight = (async () => {
      if (out.length) await sink!.send(out);
      summary.sent += out.length;
      state.sent += out.length;
      inFlightRows = 0;
      for (const [f, line] of upTo) {
        const st = statSync(f);
        state.files[f] = { size: st.size, mtimeMs: st.mtimeMs, ackedLine: line };
      }
      if (upToTime) state.timeAcked = upToTime;
      if (out.length || upTo.size || upToTime) saveState(stateFile, state);
      report();
    })();
    // Marked as handled here; the error still surfaces at the next flush or at the end of the run.
    inFlight.catch(() => {});
  };
  const quarantine = (r: Rejection) => {
    summary.rejected[r.reason] = (summary.rejected[r.reason] ?? 0) + 1;
    if (dry) return;
    mkdirSync(quarantineDir, { recursive: true });
    const q = join(quarantineDir, quarantineName(r.file));
    if (!existsSync(q)) writeFileSync(q, '\uFEFF' + QUARANTINE_COLUMNS.join(',') + '\n');
    appendFileSync(q, quarantineRow(r) + '\n');
  };
  const sentInRun = () => summary.sent + (dry ? 0 : inFlightRows + batch.length);
  /** Rows a previous run already sent or rejected: remembered only so duplicates stay duplicates. */
  const alreadyDone = (item: SourceItem): boolean => {
    if (item.kind === 'file-error') return false;
    if (order === 'file') return item.line <= (skipThrough.get(item.path) ?? 0);
    // Time order: every reject and file error is read (and quarantined) before the first row leaves.
    if (item.kind === 'reject') return resuming;
    return timeSkip !== null && compareTimeKeys({ eventTime: item.record.eventTime, fileIndex: item.fileIndex, line: item.line }, timeSkip) <= 0;
  };
  const source = order === 'file' ? fileOrder(files) : timeOrder(files, {
    chunkRows: opts.sortChunkRows,
    onRead: (n) => { if (n % 100_000 === 0 || n === total) log(`ordering by event time: ${n} rows read`); },
  });

  try {
    for await (const item of source) {
      if (item.kind === 'file-error') {
        summary.fileErrors.push(item.message);
        log(item.message);
        continue;
      }
      if (alreadyDone(item)) {
        if (item.kind === 'record') index.see(item.record.GCXH, basename(item.path), item.line);
        summary.skipped++;
        continue;
      }
      if (opts.signal?.aborted) { summary.stopped = 'signal'; break; }
      if (item.kind === 'reject') {
        quarantine(item);
        if (order === 'file') through.set(item.path, item.line);
        continue;
      }
      const file = basename(item.path);
      const rec = item.record;
      const prev = index.see(rec.GCXH, file, item.line);
      if (prev) {
        quarantine({ file, line: item.line, reason: 'duplicate-gcxh', detail: `GCXH ${rec.GCXH} first seen at ${prev.file}:${prev.line}`, raw: item.raw });
        if (order === 'file') through.set(item.path, item.line);
        else timeThrough = { eventTime: rec.eventTime, file: item.path, line: item.line };
        continue;
      }
      if (opts.max !== undefined && sentInRun() >= opts.max) { summary.stopped = 'max'; break; }
      const at = dry ? now() : pacer.next(rec.eventTime, now());
      // Batch only what is due: a row not due yet, and due after the open batch's linger, goes in the next batch.
      if (batch.length > 0 && at > now() && at > batchOpenedAt + lingerMs) await flush();
      if (at > now()) await sleep(at - now(), opts.signal);
      if (opts.signal?.aborted) { summary.stopped = 'signal'; break; }
      if (batch.length === 0) batchOpenedAt = now();
      batch.push({
        key: rec.HPHM,
        value: JSON.stringify(passageToMessage(rec)),
        timestamp: String(rec.eventTime),
        headers: { 'etclab-source': `${file}:${item.line}` },
      });
      if (order === 'file') through.set(item.path, item.line);
      else timeThrough = { eventTime: rec.eventTime, file: item.path, line: item.line };
      if (dry) summary.sent++;
      if (batch.length >= batchSize) await flush();
      report();
    }
    await flush();
    await inFlight;
  } finally {
    // A failed send must not leave its promise unobserved when the loop itself threw first.
    await inFlight.catch(() => {});
    await source.return(undefined);
    summary.elapsedMs = now() - started;
    summary.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    report(true);
    await sink?.close();
  }
  return summary;
}
