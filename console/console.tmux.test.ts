// End to end on the lab: the console in a real 80×24 terminal shows the services healthy, stops Redis and
// shows it down, starts it again, and shows a nonzero produce rate while a replay runs. Brings the lab and
// cluster up when they are not (both idempotent); leaves them up for the suites after it.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etclab, LAB_UP } from '../test/cli.ts';
import { labConsoleSkipReason, startConsoleInTmux, type TmuxConsole } from './e2e-helpers.ts';

const wired = readFileSync(new URL('../cli/main.ts', import.meta.url), 'utf8').includes('registerConsoleCommand');
const skip = labConsoleSkipReason() ?? (wired ? null : 'cli/main.ts does not register `etclab console` yet (registerConsoleCommand)');
if (skip) console.warn(`console.tmux.test.ts skipped: ${skip}`);

describe.skipIf(skip !== null)(`etclab console in tmux on the lab${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let c: TmuxConsole | undefined;

  beforeAll(async () => {
    expect((await etclab(LAB_UP)).code).toBe(0);
    const up = await etclab(['up'], { timeoutMs: 1_500_000 });
    expect(up.code, up.stderr).toBe(0);
  }, 1_600_000);

  afterAll(async () => {
    c?.send('q');
    await new Promise((r) => setTimeout(r, 500));
    c?.stop();
    // Whatever happened above, leave Redis running as the lab had it.
    await etclab(['start', 'redis'], { timeoutMs: 120_000 });
  });

  it('shows the services healthy, stops Redis (shown down), starts it again (shown healthy)', async () => {
    c = startConsoleInTmux();
    const first = await c.waitFor(/node1\s+redis\s+running\s+\d+\s+6379/, 60_000);
    expect(first.trimEnd().split('\n').length).toBeLessThanOrEqual(24);
    expect(first).toMatch(/daemons: \d+ up, 0 down/);
    expect(first).toContain('<s> start');

    await c.pressUntil('j', /▶ node1 redis: ok/);
    c.send('x');
    await c.waitFor('stop redis on node1 — done', 60_000);
    const down = await c.waitFor(/node1\s+redis\s+stopped\s+-\s+6379.*FAIL not running/, 30_000);
    expect(down).toMatch(/redis ✗/);

    c.send('s');
    await c.waitFor('start redis on node1 — done', 120_000);
    const up = await c.waitFor(/node1\s+redis\s+running\s+\d+\s+6379\s+\S+\s+ok/, 30_000);
    expect(up).toMatch(/redis ✓/);
  }, 300_000);

  it('the metrics view shows a nonzero produce rate while a replay runs', async () => {
    const dir = path.join(tmpdir(), `etclab-console-replay-${Date.now()}`);
    const replay = etclab(['replay', '--topic', `console_e2e_${Date.now()}`, '--rate', '400', '--limit', '16000',
      '--state', path.join(dir, 'state.json'), '--quarantine', path.join(dir, 'q')], { timeoutMs: 300_000 });
    try {
      c!.send('m');
      const screen = await c!.waitFor(/Kafka: produce (?!0\.0 )(?!…)\d+(\.\d)? ev\/s/, 90_000);
      expect(screen.trimEnd().split('\n').length).toBeLessThanOrEqual(24);
    } finally {
      const r = await replay;
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);
});
