// The `offline` mode with a real Pulumi engine (Automation API, inline program, file backend) against this
// machine as node1: a throwaway sshd on 127.0.0.1, so every step goes through etclab's executor over SSH with
// its host-key check, and a real redis-server with a password. up → second up changes nothing → one redis
// setting → preview names only redis' steps → up restarts redis → destroy stops it; the state and step logs
// never hold the password. Needs root, sshd, redis-server and the Pulumi CLI (scripts/build-pulumi).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { SECRET_SYNTAX } from '../provision/executors/direct/secrets-fill.ts';
import { findPulumiCli } from '../ops/pulumi-env.ts';
import { runPulumi, type PulumiResult } from '../ops/pulumi.ts';
import { freePort, loopbackSshdSkipReason, startLoopbackSshd, type LoopbackSshd } from '../test/loopback-sshd.ts';
import { loopbackRedisInventory } from '../test/fixtures/inventory.ts';

const cliMissing = (() => {
  try {
    findPulumiCli();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
})();
const skip = [loopbackSshdSkipReason(), spawnSync('redis-server', ['--version']).status !== 0 ? 'no redis-server (apt-get install redis-server)' : '', cliMissing].filter(Boolean).join('; ');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

describe.skipIf(skip !== '')(`pulumi offline mode, real engine, redis on 127.0.0.1 over SSH${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-pulumi-engine-'));
  const inventory = path.join(dir, 'inventory.yaml');
  // Hostile like the lab's: quotes, backslash, $, #, %, spaces and CJK, encoded for redis.conf by the executor.
  const password = `pw'"\\ $HOME#1 %s 密码-${process.pid}-${Date.now()}`;
  const home = path.join(dir, 'node1', 'redis');
  let sshd: LoopbackSshd | undefined;
  let port = 0;
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    process.stderr.write(`  | ${l}\n`);
  };
  const run = async (op: 'up' | 'preview' | 'destroy') => runPulumi(await loadInventory(inventory, serviceModules), op, { stack: 'engine-test', provider: 'offline', log });
  const writeInventory = (maxmemory: string) =>
    writeFileSync(
      inventory,
      loopbackRedisInventory({ cluster: 'pulumi-engine-test', dir, ssh: sshd!, port, settings: { maxmemory } }),
    );
  const pid = () => {
    const f = path.join(home, 'run', 'server.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
  };
  // Running and not a zombie: a stopped daemon whose parent is gone may linger as one under a PID 1 that
  // does not reap (a container's), which `kill -0` still counts.
  const alive = (p: number | null) => {
    if (p === null || !existsSync(`/proc/${p}/stat`)) return false;
    return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
  };
  const redisConfig = async (key: string) => {
    const r = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      return ((await r.config('GET', key)) as string[])[1];
    } finally {
      r.disconnect();
    }
  };

  beforeAll(async () => {
    sshd = await startLoopbackSshd(dir);
    port = await freePort();
    writeFileSync(path.join(dir, 'redis_password'), password + '\n', { mode: 0o600 });
    writeInventory('64mb');
  });
  afterAll(() => {
    // Whatever a failed assertion left running: the daemon this suite started, by its pid file.
    const p = pid();
    if (alive(p)) spawnSync('kill', [String(p)]);
    sshd?.stop();
  });

  it('up, up again, one setting → preview → up, destroy; no password in the state', async () => {
    const times: Record<string, number> = {};
    const timed = async (label: string, op: 'up' | 'preview' | 'destroy'): Promise<PulumiResult> => {
      const r = await run(op);
      times[label] = r.seconds;
      expect(r.ok, `${label}: ${r.summary}\n${lines.slice(-20).join('\n')}`).toBe(true);
      return r;
    };

    const up = await timed('up', 'up');
    // One resource per step of the plan `etclab up` would run, each created.
    const planned = buildPlan(await loadInventory(inventory, serviceModules), 'up', serviceModules).steps.map((s) => s.id).sort();
    expect(planned).toEqual(expect.arrayContaining(['redis/node1/configure:server', 'redis/node1/start:server', 'redis/node1/health:server']));
    expect(up.changes.map((c) => c.stepId).sort()).toEqual(planned);
    expect(up.changes.every((c) => c.op === 'create')).toBe(true);
    const pid1 = pid();
    expect(alive(pid1)).toBe(true);
    expect(await redisConfig('maxmemory')).toBe(String(64 * 1024 * 1024));
    // Progress speaks the plan's words.
    expect(lines.some((l) => l.startsWith('✓ start redis on node1 (create'))).toBe(true);

    const again = await timed('second up', 'up');
    expect(again.changes).toEqual([]);
    expect(pid()).toBe(pid1);

    writeInventory('96mb');
    const preview = await timed('preview', 'preview');
    expect(preview.changes.map((c) => `${c.op} ${c.stepId}`).sort()).toEqual([
      'update redis/node1/configure:server',
      'update redis/node1/health:server',
      'update redis/node1/start:server',
    ]);
    expect(preview.changes.find((c) => c.stepId === 'redis/node1/start:server')!.why).toBe('its config changed');
    expect(pid()).toBe(pid1);

    const change = await timed('up after the change', 'up');
    expect(change.changes.map((c) => c.stepId).sort()).toEqual(preview.changes.map((c) => c.stepId).sort());
    const pid2 = pid();
    expect(alive(pid2)).toBe(true);
    expect(pid2).not.toBe(pid1);
    expect(await redisConfig('maxmemory')).toBe(String(96 * 1024 * 1024));
    // No process shows the password in its argv while redis runs.
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(password.slice(0, 12));

    const down = await timed('destroy', 'destroy');
    expect(down.changes.filter((c) => c.op === 'delete').map((c) => c.stepId)).toContain('redis/node1/start:server');
    expect(alive(pid2)).toBe(false);
    expect(pid()).toBe(null);

    // The password in every form it is written in, nowhere in Pulumi's files (state, backups, history,
    // workspace) or in the step logs.
    const forms = [password, SECRET_SYNTAX.redis(password), JSON.stringify(password).slice(1, -1)];
    const state = await loadInventory(inventory, serviceModules).then((inv) => inv.stateDir);
    const files = filesUnder(state);
    expect(files.some((f) => f.includes(`${path.sep}backend${path.sep}`) && f.endsWith('engine-test.json'))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const v of forms) expect(text.includes(v), `${f} holds the password`).toBe(false);
    }
    for (const l of lines) for (const v of forms) expect(l.includes(v)).toBe(false);
    process.stderr.write(`pulumi offline engine test: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ')}\n`);
  }, 240_000);
});
