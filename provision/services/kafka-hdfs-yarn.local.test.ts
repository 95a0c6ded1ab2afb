// Brings up ZooKeeper (Debian), 3 Kafka brokers, HDFS and YARN on 127.0.1.1-3 with the exact commands the
// modules produce, checks every probe, then stops everything. One kernel plays all nodes here, so each
// "node" is only a base dir and a loopback address.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import type { Daemon, ServiceModule } from './types.ts';
import type { Probe, ProbeResult } from '../probes/types.ts';
import { fetchArtifact, specFor } from '../artifacts/index.ts';
import { kafka } from './kafka/index.ts';
import { hdfs, hdfsDirs } from './hdfs/index.ts';
import { yarn } from './yarn/index.ts';
import { zookeeper } from './zookeeper/index.ts';
import * as kafkaProbe from './kafka/probe.ts';
import * as hdfsProbe from './hdfs/probe.ts';
import * as yarnProbe from './yarn/probe.ts';
import * as zkProbe from './zookeeper/probe.ts';

const JAVA_HOME = process.env.ETCLAB_E2E_JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const why = (() => {
  if (process.env.ETCLAB_E2E !== '1') return 'set ETCLAB_E2E=1 to run (starts ~13 JVMs on 127.0.1.1-3, needs mvn, Java 17, apt zookeeper)';
  if (!existsSync(`${JAVA_HOME}/bin/java`)) return `no java at ${JAVA_HOME} (ETCLAB_E2E_JAVA_HOME)`;
  if (spawnSync('mvn', ['-v']).status !== 0) return 'no mvn (apt-get install maven)';
  if (!existsSync('/usr/share/java/zookeeper.jar')) return 'no Debian zookeeper (apt-get install zookeeper)';
  if (spawnSync('ip', ['-4', 'route', 'get', '127.0.1.3']).status !== 0) return '127.0.1.3 not routable';
  return null;
})();
if (why) console.warn(`kafka-hdfs-yarn.local.test: skipped: ${why}`);

const probes: Record<string, (p: Probe) => Promise<ProbeResult>> = {
  kafka: kafkaProbe.probe,
  hdfs: hdfsProbe.probe,
  yarn: yarnProbe.probe,
  zookeeper: zkProbe.probe,
  'zookeeper-ensemble': zkProbe.probeEnsemble,
};

interface Running {
  key: string;
  pid: number;
  out: string;
  startedAt: number;
  readyMs?: number;
}

const running = new Map<string, Running>();
const measurements: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const tail = (f: string, n = 40) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-n).join('\n') : `(no ${f})`);

async function waitFor(p: Probe, what: string, timeoutMs: number, logs: string[] = [], pid?: number): Promise<ProbeResult> {
  const until = Date.now() + timeoutMs;
  let last: ProbeResult = { ok: false, detail: 'not probed yet' };
  while (Date.now() < until) {
    last = await probes[p.protocol](p).catch((e) => ({ ok: false, detail: String(e) }));
    if (last.ok) return last;
    if (pid !== undefined && !alive(pid)) break;
    await sleep(1000);
  }
  throw new Error(`${what}: probe never passed (${last.detail})\n${logs.map((l) => `--- ${l}\n${tail(l)}`).join('\n')}`);
}

function writeFiles(d: Daemon) {
  for (const f of d.files) {
    expect(f.content).not.toMatch(/\{\{/); // nothing unrendered, no secret placeholder in these services
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
  }
}

/** What the executor's start script does, minus its port check (ports repeat across our shared-kernel nodes). */
function start(key: string, home: string, d: Daemon): Running {
  writeFiles(d);
  if (d.prestart) {
    const r = spawnSync('bash', ['-euc', d.prestart], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${key} prestart failed:\n${r.stdout}\n${r.stderr}`);
  }
  mkdirSync(`${home}/logs`, { recursive: true });
  const out = `${home}/logs/${d.role}.out`;
  const env = Object.entries(d.env ?? {})
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
  const child = spawn('bash', ['-c', `${env}\nexec setsid ${d.command} >> '${out}' 2>&1 < /dev/null`], { cwd: home, stdio: 'ignore' });
  child.unref();
  const r: Running = { key, pid: child.pid!, out, startedAt: Date.now() };
  running.set(key, r);
  return r;
}

async function stop(key: string, graceMs = 20_000) {
  const r = running.get(key);
  if (!r) return;
  running.delete(key);
  if (!alive(r.pid)) return;
  process.kill(r.pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (alive(r.pid) && Date.now() < until) await sleep(200);
  if (alive(r.pid)) process.kill(r.pid, 'SIGKILL');
}

describe.skipIf(why !== null)('kafka, hdfs and yarn on 127.0.1.1-3 from Maven Central jars', () => {
  const base = mkdtempSync('/tmp/etclab-khy-');
  const node = (i: number): NodeSpec => ({
    name: `node${i}`,
    address: `127.0.1.${i}`,
    baseDir: `${base}/node${i}`,
    javaHome: JAVA_HOME,
    ssh: { user: 'root', port: 22, key: '/dev/null', knownHosts: '/dev/null' },
  });
  const nodes = [node(1), node(2), node(3)];
  const names = nodes.map((n) => n.name);
  const specOf = (m: ServiceModule, over: Partial<ServiceSpec> = {}): ServiceSpec => {
    const d = m.defaults('lab', names);
    return { ...d, settings: d.settings ?? {}, ...over };
  };
  const inventory: Inventory = {
    file: `${base}/etclab.yaml`,
    cluster: 'khy-test',
    profile: 'lab',
    stateDir: `${base}/state`,
    nodes,
    secrets: {},
    services: {
      zookeeper: specOf(zookeeper, { roles: { server: ['node1'] } }),
      kafka: specOf(kafka),
      // One DataNode: on a shared kernel every DataNode's RPC to the NameNode comes from 127.0.0.1, and the
      // NameNode keys DataNodes by that source address + transfer port, so three would collapse into one
      // (seen: "1/3 DataNodes live"). The lab's network namespaces give each node its own source address.
      hdfs: specOf(hdfs, { roles: { namenode: ['node1'], datanode: ['node1'], secondarynamenode: ['node2'] } }),
      yarn: specOf(yarn),
    },
  };
  const modules: Record<string, ServiceModule> = { zookeeper, kafka, hdfs, yarn };
  const membersOf = (svc: string) =>
    Object.fromEntries(Object.entries(inventory.services[svc].roles).map(([r, ns]) => [r, ns.map((n) => nodes.find((x) => x.name === n)!)]));
  const ctxOf = (svc: string, role: string, n: NodeSpec) => ({
    inventory,
    spec: inventory.services[svc],
    service: svc,
    role,
    node: n,
    home: `${n.baseDir}/${svc}`,
    members: membersOf(svc),
  });

  /** Starts every daemon of a role tier at once, then waits for each probe; records time-to-healthy. */
  async function tier(svc: string, roles: string[], timeoutMs = 180_000) {
    const started: Array<{ key: string; r: Running; d: Daemon; logs: string[] }> = [];
    for (const role of roles)
      for (const n of membersOf(svc)[role] ?? []) {
        const ctx = ctxOf(svc, role, n);
        const d = modules[svc].daemon(ctx);
        const key = `${svc}/${role}/${n.name}`;
        const logs = [`${ctx.home}/logs/${role}.out`, `${ctx.home}/logs/${role}.log`, `${ctx.home}/logs/server.log`];
        started.push({ key, r: start(key, ctx.home, d), d, logs });
      }
    await Promise.all(
      started.map(async ({ key, r, d, logs }) => {
        const res = await waitFor(d.probe!, key, timeoutMs, logs, r.pid);
        r.readyMs = Date.now() - r.startedAt;
        measurements.push(`${key}: healthy after ${(r.readyMs / 1000).toFixed(1)}s (${res.detail})`);
      }),
    );
  }

  beforeAll(async () => {
    // The sync action, done locally: each node's artifacts/<service>-<version> points at the cache dir.
    for (const svc of ['kafka', 'hdfs', 'yarn']) {
      const spec = inventory.services[svc];
      const got = await fetchArtifact(specFor(svc, spec.version));
      for (const n of nodes) {
        const action = modules[svc].install!({ inventory, spec, service: svc, node: n, home: `${n.baseDir}/${svc}`, members: membersOf(svc) });
        expect(action).toEqual({ kind: 'sync', from: got.dir, to: `${n.baseDir}/artifacts/${svc}-${spec.version}`, manifest: got.manifest, artifact: { service: svc, version: spec.version } });
        if (action?.kind !== 'sync') throw new Error('unreachable');
        mkdirSync(dirname(action.to), { recursive: true });
        symlinkSync(action.from, action.to);
      }
    }
  }, 900_000);

  afterAll(async () => {
    await Promise.all([...running.keys()].filter((k) => !k.startsWith('zookeeper')).map((k) => stop(k)));
    await Promise.all([...running.keys()].map((k) => stop(k)));
    console.log(measurements.join('\n'));
    if (process.env.ETCLAB_E2E_KEEP !== '1') rmSync(base, { recursive: true, force: true });
  }, 120_000);

  it('ZooKeeper (Debian jars) answers on 127.0.1.1', async () => {
    await tier('zookeeper', ['server'], 60_000);
  }, 90_000);

  it('three Kafka brokers register in ZooKeeper and list each other', async () => {
    await tier('kafka', ['broker']);
    const cp = kafka.clusterProbe!({ inventory, spec: inventory.services.kafka, members: membersOf('kafka') })!;
    const res = await waitFor(cp, 'kafka cluster', 60_000);
    expect(res.detail).toMatch(/brokers 1@127\.0\.1\.1:9092 2@127\.0\.1\.2:9092 3@127\.0\.1\.3:9092/);
  }, 300_000);

  it('HDFS: NameNode formatted once, DataNodes and SecondaryNameNode healthy, safe mode off', async () => {
    await tier('hdfs', ['namenode']);
    await tier('hdfs', ['datanode', 'secondarynamenode']);
    const cp = hdfs.clusterProbe!({ inventory, spec: inventory.services.hdfs, members: membersOf('hdfs') })!;
    const res = await waitFor(cp, 'hdfs cluster', 120_000);
    expect(res.detail).toMatch(/^1\/1 DataNodes live, safe mode off/);
  }, 600_000);

  it('a NameNode restart does not format again', async () => {
    const ctx = ctxOf('hdfs', 'namenode', nodes[0]);
    const version = `${hdfsDirs(ctx.home).name}/current/VERSION`;
    const before = readFileSync(version, 'utf8');
    await stop('hdfs/namenode/node1');
    const d = hdfs.daemon(ctx);
    const again = spawnSync('bash', ['-euc', d.prestart!], { encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain('ETCLAB_CHANGED');
    expect(readFileSync(version, 'utf8')).toBe(before);
    await tier('hdfs', ['namenode']);
    const cp = hdfs.clusterProbe!({ inventory, spec: inventory.services.hdfs, members: membersOf('hdfs') })!;
    expect((await waitFor(cp, 'hdfs cluster after NameNode restart', 120_000)).ok).toBe(true);
  }, 400_000);

  it('Kafka in KRaft mode (3 combined broker+controllers on other ports) formats storage once and forms a cluster', async () => {
    inventory.services['kafka-kraft'] = specOf(kafka, { settings: { mode: 'kraft' }, ports: { broker: 19092, controller: 19093 } });
    modules['kafka-kraft'] = kafka;
    await tier('kafka-kraft', ['broker']);
    const cp = kafka.clusterProbe!({ inventory, spec: inventory.services['kafka-kraft'], members: membersOf('kafka-kraft') })!;
    expect((await waitFor(cp, 'kraft cluster', 60_000)).detail).toMatch(/^brokers 1@127\.0\.1\.1:19092 2@127\.0\.1\.2:19092 3@127\.0\.1\.3:19092/);
    await Promise.all(nodes.map((n) => stop(`kafka-kraft/broker/${n.name}`)));
  }, 300_000);

  it('YARN: ResourceManager lists three active NodeManagers', async () => {
    await tier('yarn', ['resourcemanager']);
    await tier('yarn', ['nodemanager']);
    const cp = yarn.clusterProbe!({ inventory, spec: inventory.services.yarn, members: membersOf('yarn') })!;
    const res = await waitFor(cp, 'yarn cluster', 120_000);
    expect(res.detail).toMatch(/^3\/3 NodeManagers active/);
    for (const r of running.values()) measurements.push(`${r.key}: RSS ${rssMiB(r.pid)} MiB with everything up`);
  }, 600_000);

  it('no daemon listens on a wildcard address, and the NameNode web UI is served', async () => {
    const pids = new Set([...running.values()].map((r) => String(r.pid)));
    const mine = spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => [...l.matchAll(/pid=(\d+)/g)].some((m) => pids.has(m[1])));
    expect(mine.length).toBeGreaterThan(20);
    const datanodes = new Set([...running.values()].filter((r) => r.key.startsWith('hdfs/datanode/')).map((r) => String(r.pid)));
    const offenders = mine.filter((l) => {
      const local = l.trim().split(/\s+/)[3];
      if (/^127\.0\.1\.[123]:\d+$/.test(local)) return false;
      // The DataNode's Jetty sits behind its Netty front on an ephemeral localhost port.
      return !(/^127\.0\.0\.1:\d+$/.test(local) && datanodes.has(/pid=(\d+)/.exec(l)![1]));
    });
    expect(offenders).toEqual([]);
    const ui = await fetch('http://127.0.1.1:9870/dfshealth.html', { signal: AbortSignal.timeout(5000) });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Namenode information');
  }, 600_000);
});
