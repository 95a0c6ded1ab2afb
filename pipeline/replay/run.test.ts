import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RAW_HEADER, tmpDir, writeCsv } from '../data/testkit.ts';
import { loadState } from './state.ts';
import { runReplay } from './run.ts';
import type { MessageSink, OutMessage } from './sink.ts';

const { dir, cleanup } = tmpDir('etcreplay-');
afterAll(cleanup);

/** In-memory stand-in for Kafka: acknowledges by resolving, can fail on a chosen send. */
class MemorySink implements MessageSink {
  readonly acked: OutMessage[] = [];
  sends = 0;
  closed = false;
  constructor(private readonly failOnSend?: number) {}
  async send(messages: OutMessage[]) {
    this.sends++;
    if (this.sends === this.failOnSend) throw new Error('broker went away');
    this.acked.push(...messages);
  }
  async close() { this.closed = true; }
}

/** Raw rows with one bad plate at every 7th line and a duplicate GCXH. */
function makeInput(name: string, n: number, idBase: number): string {
  const rows = [RAW_HEADER];
  for (let i = 0; i < n; i++) {
    const plate = i % 7 === 6 ? '苏1Y8***' : `苏C${String(i % 100).padStart(2, '0')}***`;
    const id = i === n - 1 ? idBase : idBase + i;
    rows.push(`${id},邳州市,S250K1,1,2023/12/1 ${Math.floor(i / 60)}:${String(i % 60).padStart(2, '0')}:00,02,${plate},大众牌-朗逸-2019`);
  }
  return writeCsv(dir, name, rows);
}

const fast = { rate: 0, lingerMs: 0, sleep: async () => {}, order: 'file' as const };
const sourceOf = (m: OutMessage) => m.headers['etclab-source'];

describe('replay loop in file order (in-memory sink)', () => {
  const inDir = join(dir, 'in');
  mkdirSync(inDir);
  makeInput('in/a.csv', 40, 1000);
  makeInput('in/b.csv', 30, 2000);
  // a.csv: 40 rows, lines 7,14,...,35 bad plate (5), last row duplicates the first → 34 sent
  // b.csv: 30 rows, 4 bad plates, 1 duplicate → 25 sent
  const expectedSources = [
    ...Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 7 !== 6 && i !== 39).map((i) => `a.csv:${i + 2}`),
    ...Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 7 !== 6 && i !== 29).map((i) => `b.csv:${i + 2}`),
  ];

  it('sends every clean row once, keyed by plate, timestamped with the event time, and quarantines the rest', async () => {
    const sink = new MemorySink();
    const s = await runReplay({ inputs: [inDir], sink, batchSize: 8, stateFile: join(dir, 's1.json'), quarantineDir: join(dir, 'q1'), ...fast });
    expect(s).toMatchObject({ sent: 59, rejected: { 'bad-plate': 9, 'duplicate-gcxh': 2 }, stopped: 'done' });
    expect(sink.acked.map(sourceOf)).toEqual(expectedSources);
    const first = sink.acked[0];
    expect(first.key).toBe('苏C00***');
    expect(first.timestamp).toBe(String(Date.parse('2023-12-01T00:00:00+08:00')));
    expect(JSON.parse(first.value)).toMatchObject({ GCXH: '1000', CLEAN_KKMC: 'S250-K1-省际卡口', GCSJ_TS: Number(first.timestamp), HPZL: '02' });
    const q = readFileSync(join(dir, 'q1', 'a.quarantine.csv'), 'utf8').trim().split('\n');
    expect(q).toHaveLength(1 + 5 + 1);
    expect(q[1]).toMatch(/^a\.csv,8,bad-plate,/);
    expect(q[6]).toMatch(/^a\.csv,41,duplicate-gcxh,GCXH 1000 first seen at a\.csv:2,/);
    expect(sink.closed).toBe(true);
  });

  it('after a failed send, the state holds exactly the acknowledged rows and --resume sends the rest once', async () => {
    const stateFile = join(dir, 's2.json');
    const broken = new MemorySink(4);
    await expect(runReplay({ inputs: [inDir], sink: broken, batchSize: 8, stateFile, quarantineDir: join(dir, 'q2'), ...fast })).rejects.toThrow(/broker went away/);
    expect(broken.acked).toHaveLength(24);
    const st = loadState(stateFile)!;
    expect(st.sent).toBe(24);
    const lastAcked = sourceOf(broken.acked[23]);
    expect(st.files[join(inDir, 'a.csv')].ackedLine).toBe(Number(lastAcked.split(':')[1]));

    const rest = new MemorySink();
    const s = await runReplay({ inputs: [inDir], sink: rest, batchSize: 8, stateFile, resume: true, quarantineDir: join(dir, 'q2'), ...fast });
    expect([...broken.acked, ...rest.acked].map(sourceOf)).toEqual(expectedSources);
    // The duplicate of a row sent before the failure is still caught after resuming.
    expect(s.rejected['duplicate-gcxh']).toBe(2);
    expect(loadState(stateFile)!.sent).toBe(59);
  });

  it('stops on abort mid-run, records what was acknowledged, and resumes without gaps or repeats', async () => {
    const stateFile = join(dir, 's3.json');
    const ac = new AbortController();
    const first = new MemorySink();
    let clock = 0;
    const s1 = await runReplay({
      inputs: [inDir], sink: first, batchSize: 5, stateFile, quarantineDir: join(dir, 'q3'), rate: 10, lingerMs: 50, order: 'file',
      now: () => clock,
      sleep: async (ms) => { clock += ms; if (clock >= 2000) ac.abort(); },
      signal: ac.signal,
    });
    expect(s1.stopped).toBe('signal');
    expect(first.acked.length).toBeGreaterThan(10);
    expect(first.acked.length).toBeLessThan(59);
    expect(loadState(stateFile)!.sent).toBe(first.acked.length);
    const second = new MemorySink();
    await runReplay({ inputs: [inDir], sink: second, stateFile, resume: true, quarantineDir: join(dir, 'q3'), ...fast });
    expect([...first.acked, ...second.acked].map(sourceOf)).toEqual(expectedSources);
  });

  it('max (CLI --limit) caps rows sent in this run; --dry-run sends and writes nothing', async () => {
    const sink = new MemorySink();
    const s = await runReplay({ inputs: [inDir], sink, max: 10, stateFile: join(dir, 's4.json'), quarantineDir: join(dir, 'q4'), ...fast });
    expect(s).toMatchObject({ sent: 10, stopped: 'max' });
    expect(sink.acked).toHaveLength(10);
    const d = await runReplay({ inputs: [inDir], dryRun: true, stateFile: join(dir, 's5.json'), quarantineDir: join(dir, 'q5'), ...fast });
    expect(d).toMatchObject({ sent: 59, rejected: { 'bad-plate': 9, 'duplicate-gcxh': 2 } });
    expect(loadState(join(dir, 's5.json'))).toBeUndefined();
  });

  it('refuses to resume onto another topic', async () => {
    await expect(runReplay({ inputs: [inDir], sink: new MemorySink(), stateFile: join(dir, 's2.json'), resume: true, topic: 'other', ...fast })).rejects.toThrow(
      /saved replay went to topic etc_traffic_data, not other/,
    );
  });

  it('paces at the requested rate on a fake clock', async () => {
    let clock = 0;
    const sink = new MemorySink();
    await runReplay({ inputs: [inDir], sink, stateFile: join(dir, 's6.json'), quarantineDir: join(dir, 'q6'), rate: 20, batchSize: 1000, lingerMs: 10_000, max: 41, now: () => clock, sleep: async (ms) => { clock += ms; }, order: 'file' });
    // burst of 2, then 50 ms apart: 41 rows take (41 - 2) × 50 ms.
    expect(clock).toBe(39 * 50);
  });
});

describe('replay loop in event-time order (in-memory sink)', () => {
  const inDir = join(dir, 'tin');
  mkdirSync(inDir);
  makeInput('tin/a.csv', 40, 1000);
  makeInput('tin/b.csv', 30, 2000);
  // Both files start at 00:00 and go a minute a row: time order interleaves them, a before b at equal times.
  const rowsOf = (name: string, n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 6 && i !== n - 1).map((i) => ({ t: i, src: `${name}:${i + 2}` }));
  const expected = [...rowsOf('a.csv', 40), ...rowsOf('b.csv', 30)].sort((x, y) => x.t - y.t || (x.src < y.src ? -1 : 1)).map((r) => r.src);
  const timeFast = { rate: 0, lingerMs: 0, sleep: async () => {} };

  it('merges every input by event time (ties by input order), whatever the sort chunk size', async () => {
    for (const sortChunkRows of [1000, 7, 1]) {
      const sink = new MemorySink();
      const s = await runReplay({ inputs: [inDir], sink, batchSize: 8, stateFile: join(dir, `t1-${sortChunkRows}.json`), quarantineDir: join(dir, `tq1-${sortChunkRows}`), sortChunkRows, ...timeFast });
      expect(s).toMatchObject({ sent: 59, order: 'time', rejected: { 'bad-plate': 9, 'duplicate-gcxh': 2 }, stopped: 'done' });
      expect(sink.acked.map(sourceOf)).toEqual(expected);
      const times = sink.acked.map((m) => Number(m.timestamp));
      expect(times).toEqual([...times].sort((x, y) => x - y));
      const q = readFileSync(join(dir, `tq1-${sortChunkRows}`, 'a.quarantine.csv'), 'utf8').trim().split('\n');
      expect(q.filter((l) => /duplicate-gcxh,GCXH 1000 first seen at a\.csv:2,/.test(l))).toHaveLength(1);
      // The quarantined duplicate keeps its raw row: nothing is lost.
      expect(q.find((l) => l.startsWith('a.csv,41,'))).toMatch(/1000,邳州市,/);
    }
  });

  it('after a failed send, --resume in time order sends exactly the rest; resuming in file order is refused', async () => {
    const stateFile = join(dir, 't2.json');
    const broken = new MemorySink(3);
    await expect(runReplay({ inputs: [inDir], sink: broken, batchSize: 8, stateFile, quarantineDir: join(dir, 'tq2'), sortChunkRows: 10, ...timeFast })).rejects.toThrow(/broker went away/);
    expect(broken.acked).toHaveLength(16);
    expect(loadState(stateFile)).toMatchObject({ order: 'time', sent: 16 });
    await expect(runReplay({ inputs: [inDir], sink: new MemorySink(), stateFile, resume: true, ...fast })).rejects.toThrow(/ran in time order, not file/);
    const rest = new MemorySink();
    const s = await runReplay({ inputs: [inDir], sink: rest, batchSize: 8, stateFile, resume: true, quarantineDir: join(dir, 'tq2'), ...timeFast });
    expect([...broken.acked, ...rest.acked].map(sourceOf)).toEqual(expected);
    expect(s.rejected['duplicate-gcxh']).toBe(2);
    // Rejects were quarantined by the first run: the resumed one does not write them again.
    const q = readFileSync(join(dir, 'tq2', 'a.quarantine.csv'), 'utf8').trim().split('\n');
    expect(q.filter((l) => /,bad-plate,/.test(l))).toHaveLength(5);
  });

  it('refuses --speed in file order: event time jumps back there', async () => {
    await expect(runReplay({ inputs: [inDir], sink: new MemorySink(), speed: 60, order: 'file', stateFile: join(dir, 't3.json') })).rejects.toThrow(/--speed replays event time/);
  });

  it('at the user\'s 50 rows/s each row leaves within the linger of its due time (no 500-row batches)', async () => {
    let clock = 0;
    const sentAt: number[] = [];
    const sink: MessageSink = { send: async (m) => { for (const _ of m) sentAt.push(clock); }, close: async () => {} };
    const due: number[] = [];
    const bucketNow = () => clock;
    await runReplay({ inputs: [inDir], sink, rate: 50, stateFile: join(dir, 't4.json'), quarantineDir: join(dir, 'tq4'), now: bucketNow, sleep: async (ms) => { clock += ms; } });
    // Due times: a burst of 5, then one every 20 ms.
    for (let i = 0; i < 59; i++) due.push(Math.max(0, (i - 4) * 20));
    expect(sentAt).toHaveLength(59);
    for (let i = 0; i < 59; i++) expect(sentAt[i]! - due[i]!).toBeLessThanOrEqual(40);
  });
});
