// `etclab probe` as the stack runs it: a separate process, a real redis-server, exit code = health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './program.ts';
import { secretEnvName } from '../ops/inventory.ts';
import { loopbackRedisInventory } from '../test/fixtures/inventory.ts';
import { freePort } from '../test/loopback-sshd.ts';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const require = createRequire(import.meta.url);


describe.skipIf(!hasRedis)('etclab probe (needs redis-server: apt-get install redis-server)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-probe-'));
  const password = `pw-${process.pid}-${Date.now()}`;
  let port = 0;
  let redis: ChildProcess | undefined;
  const inventory = path.join(dir, 'inventory.yaml');
  const entry = path.join(dir, 'probe-main.mts');

  beforeAll(async () => {
    port = await freePort();
    for (const f of ['id_ed25519', 'known_hosts']) writeFileSync(path.join(dir, f), 'unused by probes\n', { mode: 0o600 });
    writeFileSync(path.join(dir, 'redis_password'), password + '\n', { mode: 0o600 });
    writeFileSync(
      inventory,
      loopbackRedisInventory({ cluster: 'probe-test', dir, ssh: { port: 22, key: './id_ed25519', knownHosts: './known_hosts' }, port }),
    );
    // The lead wires registerProbeCommand into cli/main.ts; this entry runs it the same way, standalone.
    writeFileSync(
      entry,
      `import { Command } from ${JSON.stringify(require.resolve('commander'))};
import { registerProbeCommand } from ${JSON.stringify(path.join(repoRoot, 'cli/commands/probe.ts'))};
const program = new Command().option('-i, --inventory <file>').exitOverride();
registerProbeCommand(program);
try { await program.parseAsync(process.argv); } catch (e) { console.error(e.message); process.exit(2); }
`,
    );
  });
  afterAll(() => {
    redis?.kill('SIGTERM');
  });

  const probeJson = () => JSON.stringify({ protocol: 'redis', node: 'node1', host: '127.0.0.1', port, passwordSecret: 'redis_password' });
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', entry, '--inventory', inventory, 'probe', ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('retries until redis comes up, then exits 0 with the result as JSON', async () => {
    const pending = run(['--timeout', '30', '--json', probeJson()]);
    await new Promise((r) => setTimeout(r, 2500));
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password], {
      stdio: 'ignore',
    });
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ protocol: 'redis', ok: true, detail: 'PONG' });
    expect(out.attempts).toBeGreaterThan(1);
    expect(r.stderr).toMatch(/^attempt 1: not yet: /m);
    expect(r.stderr + r.stdout).not.toContain(password);
  }, 60_000);

  it('a stack-config override in the environment wins over the inventory: a wrong one fails within --timeout', async () => {
    const t0 = Date.now();
    const r = await run(['--timeout', '2', '--json', probeJson()], { [secretEnvName('redis_password')]: 'not-the-password' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
    expect(JSON.parse(r.stdout).detail).toMatch(/^not healthy after 2s: /);
    expect(Date.now() - t0).toBeLessThan(15_000);
    // The inventory's file holds the right password: only the environment made it fail.
    const ok = await run(['--timeout', '5', '--json', probeJson()]);
    expect(ok.code).toBe(0);
  }, 60_000);

  it('bad --json is refused with a message saying what is expected', async () => {
    const r = await run(['--json', '{"host": 1}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"protocol" field');
  }, 30_000);
});
