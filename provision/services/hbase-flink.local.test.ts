// End to end on loopback: ZooKeeper + HDFS (their modules) under HBase and Flink (these modules), every
// daemon launched from exactly what daemon() returns, nodes = 127.0.2.1-3 on this machine.
// Enable with ETCLAB_E2E=1 (needs java 17, mvn with Maven Central, Debian's zookeeper package; ~3 min).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Inventory, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import type { ServiceModule } from './types.ts';
import type { Probe, ProbeResult } from '../probes/types.ts';
import { mergeServiceSpec } from '../inventory/defaults.ts';
import { fetchArtifact, specFor, nodeArtifactDir, type ArtifactSpec } from '../artifacts/index.ts';
import { zookeeper } from './zookeeper/index.ts';
import { hdfs } from './hdfs/index.ts';
import { hbase, hbaseArtifact } from './hbase/index.ts';
import { flink, flinkArtifact } from './flink/index.ts';
import * as zkProbe from './zookeeper/probe.ts';
import * as hdfsProbe from './hdfs/probe.ts';
import * as hbaseProbe from './hbase/probe.ts';
import * as flinkProbe from './flink/probe.ts';
import { canaryJar, CANARY_CLASS } from './flink/canary.ts';
import { savepointExists } from '../../test/flink-results.ts';
import { cancelJob, listJobs, runJob, stopJob } from '../../ops/flink.ts';
import { connect } from '../../pipeline/hbase/client.ts';

const enabled = process.env.ETCLAB_E2E === '1';
const ROOT = '/tmp/etclab-e2e-hbase-flink';
// Kept between runs: copying ~200 MB of jars out of ~/.m2 each time buys nothing.
const CACHE = '/tmp/etclab-e2e-artifact-cache';
const JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';

const nodes: NodeSpec[] = [1, 2, 3].map((i) => ({
  name: `node${i}`,
  address: `127.0.2.${i}`,
  ssh: { user: 'root', port: 22, key: '/dev/null', knownHosts: '/dev/null' },
  baseDir: `${ROOT}/node${i}`,
  javaHome: JAVA_HOME,
}));
const names = nodes.map((n) => n.name);

function spec(m: ServiceModule, over: Partial<ServiceSpec>): ServiceSpec {
  return mergeServiceSpec(m.defaults('lab', names), { roles: {}, ports: {}, heap: {}, settings: {}, secrets: {}, ...over });
}

const inventory: Inventory = {
  file: `${ROOT}/etclab.yaml`,
  cluster: 'e2e',
  profile: 'lab',
  stateDir: `${ROOT}/state`,
  nodes,
  secrets: {},
  services: {
    zookeeper: spec(zookeeper, { roles: { server: ['node1'] } }),
    hdfs: spec(hdfs, { roles: { namenode: ['node1'], datanode: ['node1'], secondarynamenode: [] }, settings: { replication: 1 } }),
    // On loopback the NameNode records a DataNode by the connection's source (127.0.0.1), not its bind
    // address: clients must dial the DataNode's advertised hostname instead. Real nodes do not need this.
    hbase: spec(hbase, { settings: { hbaseSite: { 'dfs.client.use.datanode.hostname': true } } }),
    // The same loopback quirk for Flink's HDFS client: keep its savepoints on file:// here (the lab's stack
    // suite checks them on HDFS).
    flink: spec(flink, { settings: { savepointsDir: `file://${nodes[0]!.baseDir}/flink/data/savepoints`, checkpointsDir: `file://${nodes[0]!.baseDir}/flink/data/checkpoints` } }),
  },
};

interface Running {
  label: string;
  child: ChildProcess;
  startedAt: number;
  readyAfterSec?: number;
}
const running: Running[] = [];

function members(svc: string): Record<string, NodeSpec[]> {
  const s = inventory.services[svc];
  return Object.fromEntries(Object.entries(s.roles).map(([r, ns]) => [r, ns.map((n) => nodes.find((x) => x.name === n)!)]));
}

function write(path: string, content: string, mode: number) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode });
}

/** Renders and launches one daemon the way the start script would: files, prestart, then `exec command`. */
function launch(m: ServiceModule, role: string, node: NodeSpec, edit: (command: string) => string = (c) => c) {
  const home = `${node.baseDir}/${m.name}`;
  const d = m.daemon({ inventory, spec: inventory.services[m.name], service: m.name, role, node, home, members: members(m.name) });
  for (const f of d.files) write(f.path, f.content, f.mode);
  mkdirSync(`${home}/logs`, { recursive: true });
  if (d.prestart) execFileSync('bash', ['-c', d.prestart], { stdio: 'pipe', timeout: 120_000, env: { ...process.env, ...d.env } });
  const out = openSync(`${home}/logs/${role}.out`, 'a');
  const child = spawn('bash', ['-c', `exec ${edit(d.command)}`], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...d.env } });
  running.push({ label: `${m.name}/${role}@${node.name}`, child, startedAt: Date.now() });
  return d;
}

async function until(label: string, probe: () => Promise<ProbeResult>, timeoutSec: number): Promise<ProbeResult> {
  const t0 = Date.now();
  let last: ProbeResult = { ok: false, detail: 'not probed' };
  while (Date.now() - t0 < timeoutSec * 1000) {
    // Probes may throw while a port is still closed (runProbe turns that into a failed result too).
    last = await probe().catch((e: Error) => ({ ok: false, detail: e.message }));
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${label} not healthy after ${timeoutSec}s: ${last.detail}`);
}

async function startAndWait(m: ServiceModule, role: string, node: NodeSpec, probeFn: (p: Probe) => Promise<ProbeResult>, timeoutSec = 120) {
  const d = launch(m, role, node);
  const r = running[running.length - 1];
  const res = await until(r.label, () => probeFn(d.probe!), timeoutSec);
  r.readyAfterSec = (Date.now() - r.startedAt) / 1000;
  return res;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function stopAll() {
  for (const r of [...running].reverse()) {
    if (r.child.exitCode !== null || r.child.pid === undefined) continue;
    try {
      process.kill(-r.child.pid, 'SIGTERM');
    } catch {
      continue;
    }
    const t0 = Date.now();
    while (r.child.exitCode === null && r.child.signalCode === null && Date.now() - t0 < 30_000) await new Promise((res) => setTimeout(res, 250));
    if (r.child.exitCode === null && r.child.signalCode === null) process.kill(-r.child.pid, 'SIGKILL');
  }
}

describe.skipIf(!enabled)('hbase + flink on 127.0.2.x (set ETCLAB_E2E=1 to run)', () => {
  beforeAll(async () => {
    for (const n of nodes)
      if (execFileSync('bash', ['-c', `ss -ltnH src ${n.address} | wc -l`]).toString().trim() !== '0')
        throw new Error(`something already listens on ${n.address}; stop it first (ss -ltnp src ${n.address})`);
    rmSync(ROOT, { recursive: true, force: true });
    const specs: ArtifactSpec[] = [specFor('hdfs', inventory.services.hdfs.version), hbaseArtifact(inventory.services.hbase.version), flinkArtifact(inventory.services.flink.version)];
    for (const s of specs) {
      const r = await fetchArtifact(s, { root: CACHE, timeoutMs: 15 * 60_000 });
      for (const n of nodes) {
        const to = nodeArtifactDir(n, s);
        mkdirSync(dirname(to), { recursive: true });
        if (!existsSync(to)) symlinkSync(r.dir, to);
      }
    }
  }, 20 * 60_000);

  afterAll(async () => {
    const report = running.map((r) => `${r.label}: ready ${r.readyAfterSec?.toFixed(1) ?? '-'}s, RSS ${r.child.exitCode === null && r.child.pid ? rssMiB(r.child.pid) : 'exited'} MiB`);
    console.log(`daemons:\n  ${report.join('\n  ')}`);
    await stopAll();
    if (running.every((r) => r.child.exitCode !== null || r.child.signalCode !== null)) rmSync(ROOT, { recursive: true, force: true });
  }, 300_000);

  it('ZooKeeper and HDFS come up under their own modules', async () => {
    const n1 = nodes[0];
    await startAndWait(zookeeper, 'server', n1, (p) => zkProbe.probe(p), 60);
    await startAndWait(hdfs, 'namenode', n1, hdfsProbe.probe, 120);
    await startAndWait(hdfs, 'datanode', n1, hdfsProbe.probe, 120);
    const cp = hdfs.clusterProbe!({ inventory, spec: inventory.services.hdfs, members: members('hdfs') })!;
    await until('hdfs cluster', () => hdfsProbe.probe(cp), 120);
  }, 400_000);

  it('HMaster, three RegionServers and both Thrift servers become healthy', async () => {
    const m = members('hbase');
    await startAndWait(hbase, 'master', m.master[0], hbaseProbe.probe, 180);
    for (const n of m.regionserver) launch(hbase, 'regionserver', n);
    const cp = hbase.clusterProbe!({ inventory, spec: inventory.services.hbase, members: m })!;
    // The cluster probe includes a thrift1 call only once thrift is up: wait for the RegionServers first.
    const { thrift: _thrift, ...rsOnly } = cp as Probe & { thrift?: unknown };
    const rs = await until('hbase regionservers', () => hbaseProbe.probe(rsOnly as Probe), 180);
    for (const r of running.filter((x) => x.label.startsWith('hbase/regionserver'))) r.readyAfterSec = (Date.now() - r.startedAt) / 1000;
    expect(rs.detail).toMatch(/^3\/3 RegionServers live/);
    await startAndWait(hbase, 'thrift', m.thrift[0], hbaseProbe.probeThrift, 120);
    await startAndWait(hbase, 'thrift2', m.thrift2[0], hbaseProbe.probeThrift, 120);
    const all = await hbaseProbe.probe(cp);
    expect(all.ok, all.detail).toBe(true);
    expect(all.detail).toMatch(/thrift1 127\.0\.2\.1:8085 answers getTableNames/);
    // The api check is real: thrift2's port refuses to pass as thrift1.
    const wrong = await hbaseProbe.probeThrift({ protocol: 'hbase-thrift', api: 1, host: '127.0.2.1', port: inventory.services.hbase.ports.thrift2 });
    expect(wrong.ok).toBe(false);
  }, 600_000);

  it('the Node client creates a pre-split table, writes, reads, scans, truncates and drops it', async () => {
    const p = inventory.services.hbase.ports;
    const c = await connect('127.0.2.1', p.thrift, { admin: { host: '127.0.2.1', port: p.thrift2 } });
    try {
      const table = 'etc_e2e';
      if (await c.tableExists(table)) await c.deleteTable(table);
      await c.createTable(table, ['info'], ['3', '6']);
      expect(await c.getTableNames()).toContain(table);
      const regions = await c.tableRegions(table);
      expect(regions.map((r) => r.startKey.toString())).toEqual(['', '3', '6']);
      await c.mutateRows(table, [
        { row: '1_a', cells: { 'info:plate': '京A12345', 'info:fee': '15' } },
        { row: '1_b', cells: { 'info:plate': '沪B00001' } },
        { row: '4_a', cells: { 'info:plate': 'x' } },
        { row: '7_a', cells: { 'info:plate': 'y' } },
      ]);
      const row = await c.getRow(table, '1_a');
      expect(row?.cells['info:plate'].toString()).toBe('京A12345');
      expect(row?.cells['info:fee'].toString()).toBe('15');
      expect(await c.getRow(table, 'nope')).toBeNull();
      expect((await c.scan(table, { prefix: '1_' })).map((r) => r.row.toString())).toEqual(['1_a', '1_b']);
      expect((await c.scan(table, { start: '4', stop: '8' })).map((r) => r.row.toString())).toEqual(['4_a', '7_a']);
      expect((await c.scan(table, { batch: 1, limit: 3 })).length).toBe(3);
      await c.mutateRows(table, [{ row: '1_a', cells: { 'info:fee': null } }]);
      expect(Object.keys((await c.getRow(table, '1_a'))!.cells)).toEqual(['info:plate']);
      await c.truncateTable(table);
      expect(await c.scan(table)).toEqual([]);
      expect((await c.tableRegions(table)).map((r) => r.startKey.toString())).toEqual(['', '3', '6']);
      await c.deleteTable(table);
      expect(await c.getTableNames()).not.toContain(table);
    } finally {
      c.close();
    }
  }, 180_000);

  it('Flink JobManager and three TaskManagers register; /overview shows 3', async () => {
    const m = members('flink');
    await startAndWait(flink, 'jobmanager', m.jobmanager[0], flinkProbe.probe, 120);
    for (const n of m.taskmanager) await startAndWait(flink, 'taskmanager', n, flinkProbe.probe, 120);
    const cp = flink.clusterProbe!({ inventory, spec: inventory.services.flink, members: m })!;
    const deep = { secret: async () => '', deep: true };
    const r = await until('flink cluster', () => flinkProbe.probe(cp, deep), 60);
    // Every slot, then the work canary: health means a job ran, not that daemons answer.
    expect(r.detail).toMatch(/^3\/3 TaskManagers registered, 6\/6 slots, Flink 1\.18\.1; canary job \w+ ran and FINISHED/);
    expect(readdirTmp(`${nodes[1].baseDir}/flink/tmp`).some((e) => e.startsWith('flink-rpc'))).toBe(true);
    // Asked again soon after, the finished canary still vouches: no job per status call.
    expect((await flinkProbe.probe(cp, deep)).detail).toMatch(/canary job \w+ FINISHED \d+ s ago/);
    // The plain status (what the console polls) runs no job: it says which jobs run.
    expect((await flinkProbe.probe(cp)).detail).toMatch(/6\/6 slots, Flink 1\.18\.1; no job running$/);
  }, 400_000);

  it('the user\'s job lifecycle: run → RUNNING, stop with a savepoint, run from it (restored), cancel → CANCELED; a missing class in two lines', async () => {
    const jar = canaryJar(inventory.services.flink.version, CACHE);
    const run = await runJob(inventory, jar, { entryClass: CANARY_CLASS, args: ['--endless'], parallelism: 2, wait: true });
    expect(run.state).toBe('RUNNING');
    const savepoint = await stopJob(inventory, run.jobId);
    expect(savepoint).toMatch(/^file:.*\/data\/savepoints\/savepoint-/);
    expect(await savepointExists(savepoint, '')).toBe(true);
    const resumed = await runJob(inventory, jar, { entryClass: CANARY_CLASS, args: ['--endless'], fromSavepoint: savepoint, wait: true });
    expect(resumed).toMatchObject({ state: 'RUNNING', restoredFrom: savepoint });
    const cancelled = await cancelJob(inventory, resumed.jobId);
    expect(cancelled.state).toBe('CANCELED');
    const jobs = await listJobs(inventory);
    expect(jobs.filter((j) => j.state === 'RUNNING')).toEqual([]);
    expect(jobs.find((j) => j.id === resumed.jobId)?.state).toBe('CANCELED');
    expect(jobs.find((j) => j.id === run.jobId)?.state).toBe('FINISHED');
    const missing = await runJob(inventory, jar, { entryClass: 'com.example.NoSuchJob', wait: true }).then(() => '', (e: Error) => e.message);
    expect(missing).toMatch(/ClassNotFoundException: com\.example\.NoSuchJob|Could not find the provided entry class|com\.example\.NoSuchJob/);
    expect(missing.split('\n').length).toBeLessThanOrEqual(2);
  }, 300_000);

  it('health fails, naming the blob server, on a JobManager whose blob server a job client cannot reach', async () => {
    const jmNode = members('flink').jobmanager[0];
    const jm = running.find((r) => r.label === `flink/jobmanager@${jmNode.name}`)!;
    process.kill(-jm.child.pid!, 'SIGTERM');
    await new Promise((res) => jm.child.on('exit', res));
    // The JobManager as Flink 1.18 runs it without etclab's fix: its "localhost" is the loopback address.
    const d = launch(flink, 'jobmanager', jmNode, (cmd) => cmd.replace(/ '-Djdk\.net\.hosts\.file=[^']*'/, ''));
    await until('jobmanager without the fix', () => flinkProbe.probe(d.probe!), 120);
    const broken = await flinkProbe.runCanary(`${jmNode.address}:${inventory.services.flink.ports.rest}`, inventory.services.flink.version);
    expect(broken.ok).toBe(false);
    expect(broken.detail).toMatch(/no job can start: the job's files cannot reach the JobManager's blob server/);
  }, 300_000);
});

function readdirTmp(dir: string): string[] {
  return execFileSync('ls', ['-1', dir]).toString().split('\n');
}
