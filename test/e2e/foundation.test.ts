// The foundation on the real lab: three namespaces with sshd, ZooKeeper ×3, Redis, MariaDB ×3 via `etclab`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Redis } from 'ioredis';
import { allCmdlines, etclab, LAB_UP, labFiles, labSkipReason, onNode, secretLeaks } from '../cli.ts';
import { serviceModules } from '../../provision/services/registry.ts';
import { fourLetter, parseMode } from '../../provision/services/zookeeper/probe.ts';
import type { ClusterStatus } from '../../provision/status/status.ts';

const LAB = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
// The foundation suite runs the Debian-packaged services only: the lab's inventory cut down to them.
const inventoryFile = path.join(LAB, 'foundation-inventory.yaml');
const FOUNDATION = ['zookeeper', 'redis', 'mariadb'];
const addr = (n: number) => `10.213.7.1${n}`;

async function status(): Promise<ClusterStatus> {
  const r = await etclab(['status', '--json']);
  return JSON.parse(r.stdout) as ClusterStatus;
}

/** A pid that exists and is not a zombie waiting for its reaper. */
function isLive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(labSkipReason)(`foundation on the lab${labSkipReason ? ` — skipped: ${labSkipReason}` : ''}`, () => {
  let secrets: string[] = [];
  const cmdlinesSeen = new Set<string>();
  const NODES = ['node1', 'node2', 'node3'] as const;
  // What each node has: java, node, and each foundation service's packages (dpkg), as "name yes|no" lines.
  const PACKAGES = serviceModules.filter((m) => FOUNDATION.includes(m.name)).flatMap((m) => m.packages ?? []);
  const inventoryOf = (node: string) => onNode(node as (typeof NODES)[number],
    `for c in java node; do command -v $c >/dev/null && echo "$c yes" || echo "$c no"; done
for p in ${PACKAGES.join(' ')}; do dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'ok installed' && echo "$p yes" || echo "$p no"; done`).stdout;
  const before: Record<string, string> = {};
  let upOutput = '';

  beforeAll(async () => {
    const lab = await etclab(LAB_UP);
    expect(lab.code, lab.stderr).toBe(0);
    for (const n of NODES) before[n] = inventoryOf(n);
    const full = parse(readFileSync(path.join(LAB, 'inventory.yaml'), 'utf8'));
    full.services = Object.fromEntries(Object.entries(full.services).filter(([name]) => FOUNDATION.includes(name)));
    writeFileSync(inventoryFile, stringify(full));
    process.env.ETCLAB_INVENTORY = inventoryFile;
    secrets = readdirSync(path.join(LAB, 'secrets')).map((f) => readFileSync(path.join(LAB, 'secrets', f), 'utf8').trim());
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    // Sample every process's argv while `up` runs: no secret may ever show there.
    const sampler = setInterval(() => allCmdlines().forEach((c) => cmdlinesSeen.add(c)), 100);
    const up = await etclab(['up']);
    clearInterval(sampler);
    expect(up.code, up.stderr).toBe(0);
    upOutput = up.stderr;
  });

  it('bare nodes before up (no Java, no packages, no Node.js); after up each has what its roles need and nothing else', () => {
    const none = ['java no', 'node no', ...PACKAGES.map((p) => `${p} no`)].join('\n');
    for (const n of NODES) expect(before[n]!.trim(), n).toBe(none);
    const redisPkgs = serviceModules.find((m) => m.name === 'redis')!.packages!;
    for (const n of NODES) {
      const lines = inventoryOf(n).trim().split('\n');
      // ZooKeeper and MariaDB everywhere, Redis on node1 only; Java for ZooKeeper; no Node.js service here.
      const want = ['java yes', 'node no', ...PACKAGES.map((p) => `${p} ${redisPkgs.includes(p) && n !== 'node1' ? 'no' : 'yes'}`)];
      expect(lines, n).toEqual(want);
    }
    expect(upOutput).toMatch(/install packages on node2 \(.*openjdk-17-jre-headless.*\).*installed/);
  });

  afterAll(async () => {
    await etclab(['down']);
    delete process.env.ETCLAB_INVENTORY;
    const r = await etclab(['lab', 'down']);
    expect(r.code, r.stderr).toBe(0);
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toMatch(/etclab/);
    expect(execFileSync('ip', ['-o', 'link']).toString()).not.toMatch(/etclab/);
    expect(existsSync(LAB)).toBe(false);
  });

  it('status shows ZooKeeper ×3, Redis and MariaDB ×3 running and healthy', async () => {
    const st = await status();
    const running = st.daemons.filter((d) => d.state === 'running' && d.healthy);
    expect(running.map((d) => `${d.service}@${d.node}`).sort()).toEqual(
      ['mariadb@node1', 'mariadb@node2', 'mariadb@node3', 'redis@node1', 'zookeeper@node1', 'zookeeper@node2', 'zookeeper@node3'],
    );
    expect(st.services.every((s) => s.healthy)).toBe(true);
    const modes = await Promise.all([1, 2, 3].map(async (n) => parseMode(await fourLetter(addr(n), 2181, 'srvr'))));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    expect(st.daemons.every((d) => !d.staleConfig)).toBe(true);
  });

  it('up on a healthy cluster changes nothing and says so', async () => {
    const r = await etclab(['up']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/nothing changed/);
  });

  it('kill -9 of one ZooKeeper: status shows it down, the ensemble keeps serving, start brings it back', async () => {
    const before = await status();
    const victim = before.daemons.find((d) => d.service === 'zookeeper' && d.node === 'node2')!;
    process.kill(victim.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const after = await status();
    expect(after.daemons.find((d) => d.service === 'zookeeper' && d.node === 'node2')!.state).toBe('stopped');
    const zk = after.services.find((s) => s.service === 'zookeeper')!;
    expect(zk.healthy).toBe(false);
    expect(zk.detail).toMatch(/node2 down/);
    // The two survivors still form a quorum: one leader, one follower, and they answer clients.
    const modes = await Promise.all([1, 3].map(async (n) => parseMode(await fourLetter(addr(n), 2181, 'srvr'))));
    expect(modes.sort()).toEqual(['follower', 'leader']);

    const start = await etclab(['start', 'zookeeper', '--node', 'node2']);
    expect(start.code, start.stderr).toBe(0);
    const healed = await status();
    expect(healed.daemons.find((d) => d.service === 'zookeeper' && d.node === 'node2')!.healthy).toBe(true);
    await expect.poll(async () => (await status()).services.find((s) => s.service === 'zookeeper')!.healthy, { timeout: 30_000 }).toBe(true);
  });

  it('Redis refuses a client without the password and accepts the inventory one', async () => {
    const anon = new Redis({ host: addr(1), port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
    anon.on('error', () => {});
    await anon.connect();
    await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
    anon.disconnect();
    const password = readFileSync(path.join(LAB, 'secrets', 'redis_password'), 'utf8').trim();
    const authed = new Redis({ host: addr(1), port: 6379, password, lazyConnect: true, maxRetriesPerRequest: 0 });
    await authed.connect();
    expect(await authed.ping()).toBe('PONG');
    authed.disconnect();
  });

  it('a step failing mid-plan names node, service and step, shows its log, and reports dependents as skipped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etclab-fail-'));
    const inv = parse(readFileSync(inventoryFile, 'utf8'));
    inv.stateDir = path.join(dir, 'state');
    // A Redis on node2 with a directive redis-server rejects: its start fails, its health check must be skipped.
    inv.services = { redis: { ...inv.services.redis, roles: { server: ['node2'] }, ports: { redis: 6390 }, settings: { maxmemory: 'lots' } } };
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(file, stringify(inv));
    const r = await etclab(['-i', file, 'up']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/✗ start redis on node2/);
    expect(r.stderr).toMatch(/step start of redis on node2 failed\. Last lines of .*redis/);
    expect(r.stderr).toMatch(/maxmemory|argument|Bad directive|FATAL CONFIG/i);
    expect(r.stderr).toMatch(/- check redis on node2: skipped/);
    expect(r.stderr).toMatch(/up FAILED: 1 failed, 1 skipped/);
    await etclab(['-i', file, 'stop', 'redis']);
  });

  it('no secret in any step log, service log, config printout or process argv', async () => {
    // The lab's passwords are hostile (quotes, backslash, $, #, %, spaces, CJK): raw or encoded, none may show.
    expect(secrets.every((x) => /['"\\$#% ]/.test(x) && /[\u4e00-\u9fff]/.test(x) && [...x].length >= 64)).toBe(true);
    const files = [...labFiles(path.join(LAB, 'state')), ...labFiles(path.join(LAB, 'nodes')).filter((f) => /\/logs\//.test(f))];
    expect(files.length).toBeGreaterThan(10);
    const plan = await etclab(['plan', '--json']);
    for (const s of secrets) expect(plan.stdout.includes(s)).toBe(false);
    expect(await secretLeaks(files, [...cmdlinesSeen, ...allCmdlines()], secrets)).toEqual([]);
    // And the files that must hold them are private.
    const redisConf = path.join(LAB, 'nodes', 'node1', 'base', 'redis', 'conf', 'redis.conf');
    expect(statSync(redisConf).mode & 0o777).toBe(0o600);
  });

  it('a config changed in the inventory shows as stale config until up restarts just that daemon', async () => {
    const original = readFileSync(inventoryFile, 'utf8');
    const inv = parse(original);
    inv.services.redis.settings = { maxmemory: '200mb' };
    writeFileSync(inventoryFile, stringify(inv));
    try {
      const st = await status();
      const stale = st.daemons.filter((d) => d.staleConfig).map((d) => `${d.service}@${d.node}`);
      expect(stale).toEqual(['redis@node1']);
      const oldPid = st.daemons.find((d) => d.service === 'redis')!.pid;
      const up = await etclab(['up']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/done: 2 steps changed something/); // configure + restart of redis, nothing else
      const after = await status();
      expect(after.daemons.some((d) => d.staleConfig)).toBe(false);
      expect(after.daemons.find((d) => d.service === 'redis')!.pid).not.toBe(oldPid);
    } finally {
      writeFileSync(inventoryFile, original);
      await etclab(['up']);
    }
  });

  it('down stops everything and waits; up brings it all back healthy', async () => {
    const pids = (await status()).daemons.map((d) => d.pid!).filter(Boolean);
    const down = await etclab(['down']);
    expect(down.code, down.stderr).toBe(0);
    const st = await status();
    expect(st.daemons.every((d) => d.state === 'stopped')).toBe(true);
    for (const pid of pids) expect(isLive(pid), `pid ${pid} still running`).toBe(false);
    const up = await etclab(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect((await status()).services.every((s) => s.healthy)).toBe(true);
  });
});
