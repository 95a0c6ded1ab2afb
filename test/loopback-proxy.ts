// Three MariaDB shards and ShardingSphere-Proxy on loopback, started with exactly the command and files
// the proxy module renders: for suites that need the real proxy without the lab.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import type { Inventory, NodeSpec, ServiceSpec } from '../provision/inventory/types.ts';
import { fetchArtifact } from '../provision/artifacts/cache.ts';
import { fillSecrets } from '../provision/executors/direct/secrets-fill.ts';
import { proxy, proxyArtifact } from '../provision/services/proxy/index.ts';
import { IDLE_WRITE_TIMEOUT_SEC } from '../provision/services/mariadb/index.ts';
import { stopProc } from '../pipeline/service/testkit.ts';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why the loopback proxy cannot run here ('' when it can). */
export function loopbackSkipReason(): string {
  if (process.env.ETCLAB_E2E !== '1') return 'set ETCLAB_E2E=1 to run (needs mariadb-server, java 17, mvn, ~1 GB RAM)';
  const missing = ['mariadbd', 'mariadb-install-db', 'mariadb', 'java', 'mvn'].filter((c) => !have(c));
  return missing.length ? `missing ${missing.join(', ')}: apt-get install mariadb-server openjdk-17-jdk-headless maven` : '';
}

export const PROXY_PORT = 8066;

export interface LoopbackProxy {
  inventory: Inventory;
  hosts: string[];
  password: string;
  /** The daemon's startup: ms from exec to its port listening. */
  startupMs: number;
  proxyPid: number | undefined;
  proxyConn(): Promise<mysql.Connection>;
  shardConn(i: number): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

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

/**
 * `hosts` are the three shards' loopback addresses (the proxy listens on the first); `password` has ':'
 * and '@' so the proxy's user line is exercised. The shards take the mariadb module's idle write
 * transaction timeout unless told. Whatever started is stopped again if a later part fails.
 */
export async function startLoopbackProxy(hosts: string[], password: string, opts: { idleWriteTimeoutSec?: number } = {}): Promise<LoopbackProxy> {
  const root = mkdtempSync(join(tmpdir(), 'etclab-proxy-e2e-'));
  const dbs: ChildProcess[] = [];
  let proxyProc: ChildProcess | undefined;
  const stop = async () => {
    await stopProc(proxyProc, 20_000);
    await Promise.all(dbs.map((p) => stopProc(p, 30_000)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // Three MariaDB shards, each with its own datadir and socket; never the system instance.
    for (const [i, host] of hosts.entries()) {
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
          '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--performance-schema=0', `--log-error=${d}/err.log`,
          `--idle-write-transaction-timeout=${opts.idleWriteTimeoutSec ?? IDLE_WRITE_TIMEOUT_SEC}`],
        { stdio: 'ignore' },
      );
      dbs.push(p);
      await waitPort(host, 3306, 60_000, () => p.exitCode === null);
      const sql = `CREATE DATABASE IF NOT EXISTS etc CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'etc'@'%' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON etc.* TO 'etc'@'%';`;
      const r = spawnSync('mariadb', ['--no-defaults', '-S', `${d}/sock`, '-uroot'], { input: sql, encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`creating db/user on shard ${i}: ${r.stderr}`);
    }

    // The runtime exactly as `etclab artifacts fetch` assembles it (reuses the shared cache when present).
    const cacheRootDir = process.env.ETCLAB_ARTIFACT_CACHE;
    const artifact = await fetchArtifact(proxyArtifact(), { ...(cacheRootDir ? { root: cacheRootDir } : {}), timeoutMs: 15 * 60_000 });

    const javaHome = dirname(dirname(spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8' }).stdout.trim()));
    const nodes: NodeSpec[] = hosts.map((address, i) => ({
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
    const inventory: Inventory = {
      file: join(root, 'etclab.yaml'), cluster: 'e2e', profile: 'lab', stateDir: root, nodes,
      secrets: { mysql_app_password: { env: 'UNUSED' } }, services: { mariadb: mariadbSpec, proxy: proxySpec },
    };
    const invalid = proxy.validate!(proxySpec, inventory);
    if (invalid.length) throw new Error(`proxy spec rejected: ${JSON.stringify(invalid)}`);

    const node = nodes[0]!;
    const home = `${node.baseDir}/proxy`;
    const install = proxy.install!({ inventory, spec: proxySpec, service: 'proxy', node, home, members: { server: [node] } });
    if (install?.kind !== 'sync' || install.from !== artifact.dir) throw new Error(`expected a sync install from ${artifact.dir}, got ${JSON.stringify(install)}`);
    mkdirSync(dirname(install.to), { recursive: true });
    symlinkSync(install.from, install.to); // what the sync step would copy

    const daemon = proxy.daemon({ inventory, spec: proxySpec, service: 'proxy', role: 'server', node, home, members: { server: [node] } });
    if (daemon.command.includes(password)) throw new Error('the proxy command line carries the password');
    for (const f of daemon.files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, await fillSecrets(f.content, async () => password), { mode: f.mode });
    }
    if (daemon.prestart && spawnSync('bash', ['-c', daemon.prestart]).status !== 0) throw new Error(`prestart failed: ${daemon.prestart}`);
    let proxyLog = '';
    const p = spawn('bash', ['-c', `exec ${daemon.command}`], { env: { ...process.env, ...daemon.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    proxyProc = p;
    p.stdout!.on('data', (b) => (proxyLog += b));
    p.stderr!.on('data', (b) => (proxyLog += b));
    let startupMs: number;
    try {
      startupMs = await waitPort(node.address, PROXY_PORT, 120_000, () => p.exitCode === null);
    } catch (e) {
      const log = existsSync(`${home}/logs/proxy.log`) ? readFileSync(`${home}/logs/proxy.log`, 'utf8') : '';
      throw new Error(`${(e as Error).message}\n${proxyLog}\n${log}`.slice(0, 4000));
    }
    const conn = (host: string, port: number) => mysql.createConnection({ host, port, user: 'etc', password, database: 'etc', charset: 'utf8mb4', dateStrings: true });
    return {
      inventory, hosts, password, startupMs, proxyPid: p.pid,
      proxyConn: () => conn(hosts[0]!, PROXY_PORT),
      shardConn: (i) => conn(hosts[i]!, 3306),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
