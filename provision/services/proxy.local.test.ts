// The proxy module for real on loopback: three MariaDB servers on 127.0.3.11-13, ShardingSphere-Proxy
// started with exactly the command and files the module renders, rows checked on the shard the rule predicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import type { Inventory, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import { fetchArtifact } from '../artifacts/cache.ts';
import { fillSecrets } from '../executors/direct/secrets-fill.ts';
import { proxy, proxyArtifact, shardFor } from './proxy/index.ts';
import { probe } from '../probes/mysql-proxy.ts';

const e2e = process.env.ETCLAB_E2E === '1';
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['mariadbd', 'mariadb-install-db', 'mariadb', 'java', 'mvn'].filter((c) => !have(c));
const skipReason = !e2e
  ? 'set ETCLAB_E2E=1 to run (needs mariadb-server, java 17, mvn, ~1 GB RAM)'
  : missing.length
    ? `missing ${missing.join(', ')}: apt-get install mariadb-server openjdk-17-jdk-headless maven`
    : '';

const PASSWORD = `e2e:p@ss-${process.pid}`; // ':' and '@' on purpose: the proxy's user line splits on them
const SHARD_HOSTS = ['127.0.3.11', '127.0.3.12', '127.0.3.13'];
const PROXY_PORT = 8066;

const CHECKPOINTS = ['S250-K1-省际卡口', 'G3-K731-省际卡口', 'X308-K12-市际卡口', 'G30-K216-市际卡口', 'S323-K45-市际卡口', 'G2513-K3-省际卡口'];

function waitPort(host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (!alive()) return reject(new Error(`process died before ${host}:${port} listened`));
      const s = createConnection({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(Date.now() - t0);
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() - t0 > timeoutMs) reject(new Error(`${host}:${port} not listening after ${timeoutMs} ms`));
        else setTimeout(attempt, 250);
      });
    };
    attempt();
  });
}

async function stop(p: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

describe.skipIf(skipReason !== '')(`proxy on loopback${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let root: string;
  const dbs: ChildProcess[] = [];
  let proxyProc: ChildProcess | undefined;
  let proxyLog = '';
  let startupMs = 0;
  let inventory: Inventory;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'etclab-proxy-e2e-'));
    // Three MariaDB shards, each with its own datadir and socket; never the system instance.
    for (const [i, host] of SHARD_HOSTS.entries()) {
      const d = join(root, `shard${i}`);
      mkdirSync(d, { recursive: true });
      const inst = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${d}/data`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (inst.status !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr}`);
      const p = spawn(
        'mariadbd',
        ['--no-defaults', `--datadir=${d}/data`, `--bind-address=${host}`, '--port=3306', `--socket=${d}/sock`, `--pid-file=${d}/pid`, '--user=root',
          '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--performance-schema=0', `--log-error=${d}/err.log`],
        { stdio: 'ignore' },
      );
      dbs.push(p);
      await waitPort(host, 3306, 60_000, () => p.exitCode === null);
      const sql = `CREATE DATABASE IF NOT EXISTS etc CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'etc'@'%' IDENTIFIED BY '${PASSWORD}';
GRANT ALL PRIVILEGES ON etc.* TO 'etc'@'%';`;
      const r = spawnSync('mariadb', ['--no-defaults', '-S', `${d}/sock`, '-uroot'], { input: sql, encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`creating db/user on shard ${i}: ${r.stderr}`);
    }

    // The runtime exactly as `etclab artifacts fetch` assembles it (reuses the shared cache when present).
    const cacheRootDir = process.env.ETCLAB_ARTIFACT_CACHE;
    const artifact = await fetchArtifact(proxyArtifact(), { ...(cacheRootDir ? { root: cacheRootDir } : {}), timeoutMs: 15 * 60_000 });

    const javaHome = dirname(dirname(spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8' }).stdout.trim()));
    const nodes: NodeSpec[] = SHARD_HOSTS.map((address, i) => ({
      name: `node${i + 1}`,
      address,
      ssh: { user: 'root', port: 22, key: '/dev/null', knownHosts: '/dev/null' },
      baseDir: join(root, `node${i + 1}`),
      javaHome,
    }));
    const mariadbSpec: ServiceSpec = {
      roles: { server: nodes.map((n) => n.name) }, version: '10.11', source: { kind: 'debian' }, ports: { mysql: 3306 }, heap: {},
      settings: { database: 'etc', appUser: 'etc' }, secrets: { appPassword: 'mysql_app_password' },
    };
    const d = proxy.defaults('lab', nodes.map((n) => n.name));
    const proxySpec: ServiceSpec = { ...d, settings: d.settings ?? {} };
    inventory = {
      file: join(root, 'etclab.yaml'), cluster: 'e2e', profile: 'lab', stateDir: root, nodes,
      secrets: { mysql_app_password: { env: 'UNUSED' } }, services: { mariadb: mariadbSpec, proxy: proxySpec },
    };
    expect(proxy.validate!(proxySpec, inventory)).toEqual([]);

    const node = nodes[0];
    const home = `${node.baseDir}/proxy`;
    const install = proxy.install!({ inventory, spec: proxySpec, service: 'proxy', node, home, members: { server: [node] } });
    if (install?.kind !== 'sync') throw new Error(`expected a sync install, got ${JSON.stringify(install)}`);
    expect(install.from).toBe(artifact.dir);
    mkdirSync(dirname(install.to), { recursive: true });
    symlinkSync(install.from, install.to); // what the sync step would copy

    const daemon = proxy.daemon({ inventory, spec: proxySpec, service: 'proxy', role: 'server', node, home, members: { server: [node] } });
    expect(daemon.command).not.toContain(PASSWORD);
    for (const f of daemon.files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, await fillSecrets(f.content, async () => PASSWORD), { mode: f.mode });
    }
    if (daemon.prestart) expect(spawnSync('bash', ['-c', daemon.prestart]).status).toBe(0);
    proxyProc = spawn('bash', ['-c', `exec ${daemon.command}`], { env: { ...process.env, ...daemon.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    proxyProc.stdout!.on('data', (b) => (proxyLog += b));
    proxyProc.stderr!.on('data', (b) => (proxyLog += b));
    try {
      startupMs = await waitPort(node.address, PROXY_PORT, 120_000, () => proxyProc!.exitCode === null);
    } catch (e) {
      const log = existsSync(`${home}/logs/proxy.log`) ? readFileSync(`${home}/logs/proxy.log`, 'utf8') : '';
      throw new Error(`${(e as Error).message}\n${proxyLog}\n${log}`.slice(0, 4000));
    }
  }, 900_000);

  afterAll(async () => {
    if (proxyProc?.pid) {
      const status = existsSync(`/proc/${proxyProc.pid}/status`) ? readFileSync(`/proc/${proxyProc.pid}/status`, 'utf8') : '';
      console.warn(`proxy: listening ${startupMs} ms after exec; ${/VmRSS:\s*(\d+ kB)/.exec(status)?.[1] ?? '?'} RSS`);
    }
    await stop(proxyProc, 20_000);
    await Promise.all(dbs.map((p) => stop(p, 30_000)));
    if (root) rmSync(root, { recursive: true, force: true });
  }, 120_000);

  const proxyConn = () => mysql.createConnection({ host: SHARD_HOSTS[0], port: PROXY_PORT, user: 'etc', password: PASSWORD, database: 'etc', charset: 'utf8mb4' });
  const shardConn = (i: number) => mysql.createConnection({ host: SHARD_HOSTS[i], port: 3306, user: 'etc', password: PASSWORD, database: 'etc', charset: 'utf8mb4' });

  it('passes its own probe: SELECT 1, schema, a marker row routed to each shard', async () => {
    const daemon = proxy.daemon({ inventory, spec: inventory.services.proxy, service: 'proxy', role: 'server', node: inventory.nodes[0], home: `${inventory.nodes[0].baseDir}/proxy`, members: { server: [inventory.nodes[0]] } });
    const r = await probe(daemon.probe!, { secret: async () => PASSWORD });
    expect(r).toEqual({ ok: true, detail: expect.stringContaining('routed to all 3 shards') });
  });

  it('stores each checkpoint\'s passages and minute counts on the shard shardFor predicts', async () => {
    const c = await proxyConn();
    try {
      for (const [n, kk] of CHECKPOINTS.entries()) {
        for (let j = 0; j < 3; j++)
          await c.execute('INSERT INTO etc_passage (GCXH, XZQHMC, CLEAN_KKMC, FXLX, GCSJ, event_ms, HPZL, HPHM, BRAND) VALUES (?,?,?,?,?,?,?,?,?)', [
            `e2e-${n}-${j}`, '睢宁县', kk, 1, '2023-12-01 00:02:03', 1701388923000 + j, '02', '苏C12***', '大众',
          ]);
        await c.query('INSERT INTO etc_flow_minute (CLEAN_KKMC, minute_start, vehicle_count) VALUES (?, ?, ?)', [kk, '2023-12-01 00:02:00', 3]);
      }
      await c.query("INSERT INTO etc_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES ('e2e', 'etc_traffic_data', 0, 42)");
      // Per-checkpoint counts through the proxy: the query a dashboard runs.
      const [counts] = await c.query('SELECT CLEAN_KKMC, COUNT(*) AS n FROM etc_passage WHERE CLEAN_KKMC = ? GROUP BY CLEAN_KKMC', [CHECKPOINTS[0]]);
      expect(counts).toEqual([{ CLEAN_KKMC: CHECKPOINTS[0], n: 3 }]);
    } finally {
      await c.end();
    }
    const expectedShards = new Set(CHECKPOINTS.map((kk) => shardFor(kk, 3)));
    expect(expectedShards.size).toBeGreaterThan(1); // the sample must exercise more than one shard
    for (let i = 0; i < 3; i++) {
      const s = await shardConn(i);
      try {
        const [p] = await s.query('SELECT CLEAN_KKMC, COUNT(*) AS n FROM etc_passage GROUP BY CLEAN_KKMC ORDER BY CLEAN_KKMC');
        const [f] = await s.query('SELECT CLEAN_KKMC FROM etc_flow_minute ORDER BY CLEAN_KKMC');
        const [o] = await s.query('SELECT next_offset FROM etc_offsets');
        const mine = CHECKPOINTS.filter((kk) => shardFor(kk, 3) === i).sort();
        expect((p as Array<{ CLEAN_KKMC: string; n: number }>).map((r) => [r.CLEAN_KKMC, r.n]).sort()).toEqual(mine.map((kk) => [kk, 3]));
        expect((f as Array<{ CLEAN_KKMC: string }>).map((r) => r.CLEAN_KKMC).sort()).toEqual(mine);
        expect(o).toEqual([{ next_offset: 42 }]); // broadcast: a full copy on every shard
      } finally {
        await s.end();
      }
    }
  });
});
