// Component tests from fixed inputs: what each panel shows, and what each key does.
import { describe, expect, it, afterEach } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import type { ConsoleActions, ProgressLog, ReplayOptions, ReplayProgress } from '../actions.ts';
import type { MetricsSnapshot } from '../metrics/types.ts';
import { ConsoleApp, type ConsoleAppProps } from './App.tsx';
import { StatusTable } from './StatusTable.tsx';
import { MetricsView } from './MetricsView.tsx';
import { TextPanel } from './TextPanel.tsx';
import { HelpView } from './HelpView.tsx';
import { sampleMetrics, sampleStatus } from './fixtures.ts';
import { textWidth } from '../format/text-width.ts';

afterEach(() => cleanup());

// Strip colours so assertions read the text a person sees.
const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');

async function waitFor(frame: () => string | undefined, want: string | RegExp, ms = 3000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = plain(frame());
    if (typeof want === 'string' ? f.includes(want) : want.test(f)) return f;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${want}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tick = () => new Promise((r) => setTimeout(r, 30));

interface Call {
  op: string;
  args: unknown[];
}

/** A ConsoleActions that records calls: the component tests check what a key asks for, not its effect. */
function recordingActions(over: Partial<ConsoleActions> = {}): ConsoleActions & { calls: Call[] } {
  const calls: Call[] = [];
  const rec = (op: string) => async (...args: unknown[]) => {
    calls.push({ op, args: args.filter((a) => typeof a !== 'function') });
    (args.find((a) => typeof a === 'function') as ProgressLog)?.(`[1/1] ✓ ${op} step`);
    return { ok: true, summary: `${op} done` };
  };
  return {
    calls,
    start: rec('start'),
    stop: rec('stop'),
    restart: rec('restart'),
    reset: rec('reset'),
    replay: async (opts: ReplayOptions, onProgress: (p: ReplayProgress) => void, log: ProgressLog) => {
      calls.push({ op: 'replay', args: [opts] });
      log('replaying');
      onProgress({ sent: 50, total: 100, eventsPerSec: 25, detail: 'sent 50/100 25.0/s' });
      return { ok: true, summary: 'replay done: sent 100' };
    },
    ...over,
  };
}

function app(over: Partial<ConsoleAppProps> = {}) {
  const actions = (over.actions as ReturnType<typeof recordingActions>) ?? recordingActions();
  let quit = 0;
  const props: ConsoleAppProps = {
    cluster: 'etc-lab',
    width: 80,
    height: 23,
    loadStatus: async () => sampleStatus,
    readLog: async (d) => `==> /lab/${d.node}/${d.service}/logs/${d.role}.out\nline one of ${d.service}\nlast line of ${d.service}@${d.node}`,
    metrics: { read: async () => sampleMetrics, close: async () => {} },
    actions,
    onQuit: () => quit++,
    refreshMs: 60_000,
    ...over,
  };
  const r = render(<ConsoleApp {...props} />);
  return { ...r, actions, quits: () => quit };
}

describe('status table', () => {
  it('shows state, pid, port, uptime and health; a down service says why; an unreachable node says so', () => {
    const { lastFrame } = render(<StatusTable status={sampleStatus} error={null} selected={3} width={80} height={10} />);
    const f = plain(lastFrame());
    const lines = f.split('\n');
    expect(lines[0]).toMatch(/NODE\s+SERVICE\s+STATE\s+PID\s+PORT\s+UPTIME\s+HEALTH/);
    expect(lines.find((l) => l.includes('node2') && l.includes('zookeeper'))).toMatch(/running\s+2245\s+2181\+2\s+1h02m\s+ok leader/);
    expect(lines.find((l) => l.includes('redis'))).toMatch(/^▶ node1\s+redis\s+stopped\s+-\s+6379\s+-\s+FAIL not running/);
    expect(lines.find((l) => l.includes('node3') && l.includes('zookeeper'))).toMatch(/unreachable .*unreachable: node3: SSH/);
    expect(lines.find((l) => l.includes('node2') && l.includes('mariadb'))).toMatch(/59s/);
    expect(lines.every((l) => textWidth(l) <= 80)).toBe(true);
  });
  it('scrolls to keep the selection visible and says which rows are shown', () => {
    const f = plain(render(<StatusTable status={sampleStatus} error={null} selected={6} width={80} height={4} />).lastFrame());
    expect(f).toContain('(5-7 of 7)');
    expect(f).toMatch(/▶ node3\s+mariadb/);
    expect(f).not.toContain('zookeeper');
  });
  it('says status failed when there is no data yet', () => {
    expect(plain(render(<StatusTable status={null} error="no inventory" selected={0} width={80} height={4} />).lastFrame())).toContain('status failed: no inventory');
  });
});

describe('metrics view', () => {
  it('shows rates, lag, sparklines, alerts and cluster figures, and each failing source\'s error in its place', () => {
    const f = plain(render(<MetricsView snapshot={sampleMetrics} width={80} height={19} />).lastFrame());
    expect(f).toContain('Kafka: produce 512 ev/s · consume 498 ev/s');
    expect(f).toContain('lag: etc-flink 244 · etc-redis 0');
    expect(f).toContain('top: etc-flink etc_traffic_data[1] 230');
    expect(f).toMatch(/G3-K731-省际卡口\s+[▁▂▃▄▅▆▇█]{20,}\s+39\/min/);
    expect(f).toContain('last 30 min to 2023-12-09 00:29');
    expect(f).toContain('00:22:03 clone A 苏C08*** G3-K731-省际卡口 → S69-K12-市际卡口 in 2m03s');
    expect(f).toContain('00:25:00 flow high G104-K873-省际卡口 20/min (baseline 6)');
    expect(f).toContain('HDFS 3 live DataNodes');
    expect(f).toContain('HBase error: http://10.213.7.11:16010');
    expect(f).toContain('Flink not deployed');
    expect(f.split('\n').length).toBeLessThanOrEqual(19);
    expect(f.split('\n').every((l) => textWidth(l) <= 80)).toBe(true);
  });
  it('shows a source\'s error and "not deployed" instead of its figures', () => {
    const snap: MetricsSnapshot = {
      ...sampleMetrics,
      kafka: { state: 'absent', reason: 'Kafka is not in the inventory' },
      dashboard: { state: 'error', error: 'Redis 10.213.7.11:6379: connect ECONNREFUSED' },
    };
    const f = plain(render(<MetricsView snapshot={snap} width={80} height={19} />).lastFrame());
    expect(f).toContain('not deployed: Kafka is not in the inventory');
    expect(f.match(/error: Redis 10\.213\.7\.11:6379: connect ECONNREFUSED/g)).toHaveLength(2);
  });
});

describe('panels', () => {
  it('a text panel shows the newest lines that fit, cut to the width', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i} ${'x'.repeat(100)}`);
    const f = plain(render(<TextPanel title="log node1 redis" lines={lines} width={40} height={4} />).lastFrame());
    const out = f.split('\n');
    expect(out[0]).toMatch(/^── log node1 redis ─+$/);
    expect(out.slice(1).map((l) => l.slice(0, 6))).toEqual(['line 7', 'line 8', 'line 9']);
    expect(out.every((l) => textWidth(l) <= 40)).toBe(true);
  });
  it('help lists every key', () => {
    const f = plain(render(<HelpView width={80} height={20} />).lastFrame());
    for (const k of ['<s>', '<x>', '<r>', '<l>', '<m>', '<R>', '<p>', '<?>', '<q>']) expect(f).toContain(k);
  });
});

describe('console keys', () => {
  it('renders the 80×23 main view with the key legend and a detail line for the selection', async () => {
    const { lastFrame } = app();
    const f = await waitFor(lastFrame, 'node3');
    const lines = f.split('\n');
    expect(lines).toHaveLength(23);
    expect(lines.every((l) => textWidth(l) <= 80)).toBe(true);
    expect(lines[0]).toBe('etclab console · etc-lab · ' + new Date(sampleStatus.at).toTimeString().slice(0, 8) + ' · 7 daemons: 4 up, 1 down, 2 unreachable');
    expect(f).toContain('<s> start  <x> stop  <r> restart');
    expect(f).toContain('▶ node1 zookeeper: ok follower, 3 clients');
    expect(f).toContain('services: zookeeper ✗  redis ✗  mariadb ✗  — zookeeper: node3 server not health…');
  });

  it('arrows and j/k move the selection; s/x/r act on the selected service and node', async () => {
    const { lastFrame, stdin, actions } = app();
    await waitFor(lastFrame, 'node3');
    for (const k of ['j', 'j', '\u001B[B', 'k']) {
      stdin.write(k);
      await tick();
    }
    // zookeeper node1 → node2 → node3 → redis node1 → back to node3 zookeeper; then down to redis.
    stdin.write('j');
    await waitFor(lastFrame, '▶ node1 redis: FAIL not running');
    stdin.write('s');
    await waitFor(lastFrame, 'start redis on node1 — done');
    expect(actions.calls[0]).toEqual({ op: 'start', args: ['redis', 'node1'] });
    expect(plain(lastFrame())).toContain('[1/1] ✓ start step');
    stdin.write('\u001B[A');
    await waitFor(lastFrame, '▶ node3 zookeeper: unreachable');
    stdin.write('x');
    await waitFor(lastFrame, 'stop zookeeper on node3 — done');
    stdin.write('r');
    await waitFor(lastFrame, 'restart zookeeper on node3 — done');
    expect(actions.calls.map((c) => [c.op, ...c.args])).toEqual([
      ['start', 'redis', 'node1'],
      ['stop', 'zookeeper', 'node3'],
      ['restart', 'zookeeper', 'node3'],
    ]);
  });

  it('keys arriving in one chunk (fast typing, tmux send-keys) each act', async () => {
    const { lastFrame, stdin } = app();
    await waitFor(lastFrame, 'node3');
    stdin.write('jjl');
    await waitFor(lastFrame, 'last line of zookeeper@node3');
    expect(plain(lastFrame())).toContain('▶ node3 zookeeper');
    stdin.write('pdata/a.csv');
    await waitFor(lastFrame, 'replay files (comma-separated; empty = shared data set): data/a.csv█');
  });

  it('an action that fails shows its summary and the console keeps running', async () => {
    const actions = recordingActions({
      start: async () => ({ ok: false, summary: 'refusing to start redis: it needs zookeeper (1 follower) healthy first.' }),
      stop: async () => {
        throw new Error('node1: SSH to root@10.213.7.11:22 failed: timed out');
      },
    });
    const { lastFrame, stdin } = app({ actions });
    await waitFor(lastFrame, 'node3');
    stdin.write('s');
    await waitFor(lastFrame, 'refusing to start redis');
    expect(plain(lastFrame())).toContain('start zookeeper on node1 — failed');
    stdin.write('x');
    await waitFor(lastFrame, 'error: node1: SSH to root@10.213.7.11:22 failed');
    stdin.write('j');
    await waitFor(lastFrame, '▶ node2 zookeeper');
  });

  it('? toggles help, m toggles metrics, l shows the selected daemon\'s log, q quits', async () => {
    const { lastFrame, stdin, quits } = app();
    await waitFor(lastFrame, 'node3');
    stdin.write('?');
    await waitFor(lastFrame, 'etclab console — keys');
    stdin.write('?');
    await waitFor(lastFrame, 'NODE');
    expect(plain(lastFrame())).not.toContain('etclab console — keys');
    stdin.write('m');
    await waitFor(lastFrame, 'Kafka: produce 512 ev/s');
    expect(plain(lastFrame())).toContain('<m/esc> back');
    stdin.write('m');
    await waitFor(lastFrame, 'NODE');
    stdin.write('j');
    stdin.write('l');
    await waitFor(lastFrame, 'last line of zookeeper@node2');
    expect(plain(lastFrame())).toContain('── log node2 zookeeper');
    stdin.write('j');
    await waitFor(lastFrame, 'last line of zookeeper@node3');
    stdin.write('q');
    await tick();
    expect(quits()).toBe(1);
  });

  it('R shows "not available" with the reason when reset is not wired; p asks files and pace and shows progress', async () => {
    const actions = recordingActions();
    actions.unavailable = { reset: 'the reset command is not written yet' };
    const { lastFrame, stdin } = app({ actions });
    await waitFor(lastFrame, 'node3');
    stdin.write('R');
    await waitFor(lastFrame, 'not available: the reset command is not written yet');
    expect(actions.calls).toEqual([]);
    stdin.write('p');
    await waitFor(lastFrame, 'replay files (comma-separated');
    stdin.write('a.csv, b.csv');
    await tick();
    stdin.write('\r');
    await waitFor(lastFrame, 'pace (x event time');
    stdin.write('\u007F');
    await tick();
    stdin.write('\u007F');
    await tick();
    stdin.write('120');
    await tick();
    stdin.write('\r');
    await waitFor(lastFrame, 'replay done: sent 100');
    expect(actions.calls).toEqual([{ op: 'replay', args: [{ files: ['a.csv', 'b.csv'], pace: 120 }] }]);
  });

  it('R runs a dry run, asks y/n, and resets only on y', async () => {
    const actions = recordingActions();
    const { lastFrame, stdin } = app({ actions });
    await waitFor(lastFrame, 'node3');
    stdin.write('R');
    await waitFor(lastFrame, 'reset the cluster as shown above? y/n');
    expect(actions.calls).toEqual([{ op: 'reset', args: [true] }]);
    stdin.write('n');
    await waitFor(lastFrame, 'reset cancelled');
    stdin.write('R');
    await waitFor(lastFrame, 'y/n');
    stdin.write('y');
    await waitFor(lastFrame, /reset — done/);
    expect(actions.calls.map((c) => c.args[0])).toEqual([true, true, false]);
  });

  it('keeps the last status while a refresh fails, and renders again only when the data changed', async () => {
    let n = 0;
    let mode: 'ok' | 'fail' | 'changed' = 'ok';
    const changed = { ...sampleStatus, at: '2024-05-01T06:31:00.000Z', daemons: sampleStatus.daemons.map((d) => (d.service === 'redis' ? { ...d, state: 'running' as const, healthy: true, health: 'PONG', pid: 777 } : d)) };
    const loadStatus = async () => {
      n++;
      if (mode === 'fail') throw new Error('node1: SSH timed out');
      return mode === 'changed' ? changed : sampleStatus;
    };
    const { lastFrame, frames } = app({ loadStatus, refreshMs: 40 });
    await waitFor(lastFrame, 'node3');
    mode = 'fail';
    await waitFor(lastFrame, 'refresh failed: node1: SSH timed out');
    expect(plain(lastFrame())).toContain('FAIL not running');
    mode = 'changed';
    await waitFor(lastFrame, 'ok PONG');
    await tick();
    const before = frames.length;
    const loadsBefore = n;
    await new Promise((r) => setTimeout(r, 300));
    // Several identical loads later: no new frame.
    expect(n - loadsBefore).toBeGreaterThan(3);
    expect(frames.length).toBe(before);
  });
});

describe('flink jobs view', () => {
  const jobsNow = () => [
    { id: 'a'.repeat(32), name: 'etc stream analysis', state: 'RUNNING', durationMs: 125_000, parallelism: 3, lastCheckpointAt: Date.now() - 4_000, resubmittable: true },
    { id: 'b'.repeat(32), name: 'etc stream analysis', state: 'CANCELED', durationMs: 60_000, parallelism: null, lastCheckpointAt: null, resubmittable: true },
    { id: 'c'.repeat(32), name: 'someone else\'s job', state: 'FAILED', durationMs: 1_000, parallelism: null, lastCheckpointAt: null, resubmittable: false },
  ];
  type Jobs = ReturnType<typeof jobsNow>;
  function flinkActions(jobs: () => Promise<Jobs>) {
    const calls: string[] = [];
    const rec = (op: string) => async (id: string, log: ProgressLog) => {
      calls.push(`${op} ${id}`);
      log(`${op} ${id}`);
      return { ok: true, summary: `${op} done` };
    };
    return { calls, flink: { jobs, cancel: rec('cancel'), stop: rec('stop'), resubmit: rec('resubmit') } };
  }

  it('f shows name, state, uptime, parallelism and last checkpoint; c, S and u act on the selected job', async () => {
    const { calls, flink } = flinkActions(async () => jobsNow());
    const { stdin, lastFrame } = app({ width: 110, actions: recordingActions({ flink }) });
    await tick();
    stdin.write('f');
    const f = await waitFor(lastFrame, 'etc stream analysis');
    expect(f).toMatch(/Flink jobs · 1 running of 3/);
    expect(f).toMatch(/NAME\s+STATE\s+UPTIME\s+PAR\s+LAST CHECKPOINT/);
    expect(f).toMatch(/▶ etc stream analysis\s+RUNNING\s+2m05s\s+3\s+[45]s ago/);
    stdin.write('c');
    await waitFor(lastFrame, 'cancel done');
    stdin.write('S');
    await waitFor(lastFrame, 'stop done');
    stdin.write('u');
    await waitFor(lastFrame, 'refused: etc stream analysis is RUNNING: cancel or stop it first');
    stdin.write('j');
    await tick();
    stdin.write('u');
    await waitFor(lastFrame, 'resubmit done');
    stdin.write('j');
    await tick();
    stdin.write('u');
    await waitFor(lastFrame, /refused: someone else's job was not submitted by etclab flink run/);
    expect(calls).toEqual([`cancel ${'a'.repeat(32)}`, `stop ${'a'.repeat(32)}`, `resubmit ${'b'.repeat(32)}`]);
    stdin.write('f');
    await waitFor(lastFrame, 'NODE');
  });

  it('a JobManager that does not answer: the view says so and every job key refuses with the reason', async () => {
    const { calls, flink } = flinkActions(async () => {
      throw new Error('the JobManager at http://10.213.7.11:8081 does not answer (fetch failed)');
    });
    const { stdin, lastFrame } = app({ width: 110, actions: recordingActions({ flink }) });
    await tick();
    stdin.write('f');
    await waitFor(lastFrame, 'the JobManager does not answer: the JobManager at http://10.213.7.11:8081');
    stdin.write('c');
    await waitFor(lastFrame, 'refused: the JobManager does not answer');
    expect(calls).toEqual([]);
  });

  it('an inventory without Flink: f says so', async () => {
    const { stdin, lastFrame } = app();
    await tick();
    stdin.write('f');
    await waitFor(lastFrame, 'not available: the inventory has no Flink');
  });
});
