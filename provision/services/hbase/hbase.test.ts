import { describe, expect, it } from 'vitest';
import type { Inventory, NodeSpec, ServiceSpec } from '../../inventory/types.ts';
import { mergeServiceSpec } from '../../inventory/defaults.ts';
import { hbase, regionserverHostnameKey } from './index.ts';
import { flink } from '../flink/index.ts';
import { taskManagerMemory } from '../flink/memory.ts';
import { judgeCluster } from './probe.ts';
import { judgeOverview, judgeTaskManager } from '../flink/probe.ts';

const nodes: NodeSpec[] = [1, 2, 3].map((i) => ({
  name: `node${i}`, address: `10.0.0.${i}`, ssh: { user: 'root', port: 22, key: 'k', knownHosts: 'h' }, baseDir: '/export/etclab', javaHome: '/jdk',
}));
const base = (m: typeof hbase, over: Partial<ServiceSpec> = {}) =>
  mergeServiceSpec(m.defaults('lab', nodes.map((n) => n.name)), { roles: {}, ports: {}, heap: {}, settings: {}, secrets: {}, ...over });
const inv = (services: Record<string, ServiceSpec>): Inventory => ({ file: '/x/etclab.yaml', cluster: 'c', profile: 'lab', stateDir: '/s', nodes, secrets: {}, services });
const zk = { roles: { server: ['node1', 'node2', 'node3'] }, version: '3.8', source: { kind: 'debian' as const }, ports: { client: 2181 }, heap: {}, settings: {}, secrets: {} };
const hdfs = { roles: { namenode: ['node2'] }, version: '3.3.6', source: { kind: 'maven' as const }, ports: { namenodeRpc: 8020 }, heap: {}, settings: {}, secrets: {} };
const members = (s: ServiceSpec) => Object.fromEntries(Object.entries(s.roles).map(([r, ns]) => [r, ns.map((n) => nodes.find((x) => x.name === n)!)]));

describe('hbase module', () => {
  const spec = base(hbase);
  const inventory = inv({ zookeeper: zk, hdfs, hbase: spec });
  const ctx = (role: string, node: NodeSpec) => ({ inventory, spec, service: 'hbase', role, node, home: `${node.baseDir}/hbase`, members: members(spec) });

  it('points at the inventory ZooKeeper quorum and NameNode and binds to the node address', () => {
    const site = hbase.daemon(ctx('regionserver', nodes[2])).files[0].content;
    expect(site).toContain('<name>hbase.rootdir</name><value>hdfs://10.0.0.2:8020/hbase</value>');
    expect(site).toContain('<name>hbase.zookeeper.quorum</name><value>10.0.0.1,10.0.0.2,10.0.0.3</value>');
    expect(site).toContain('<name>hbase.unsafe.regionserver.hostname</name><value>10.0.0.3</value>');
    expect(site).toContain('<name>hbase.master.info.bindAddress</name><value>10.0.0.3</value>');
  });
  it('launches thrift1 with options before start, Java 17 flags via JDK_JAVA_OPTIONS', () => {
    const d = hbase.daemon(ctx('thrift', nodes[0]));
    expect(d.command).toMatch(/org\.apache\.hadoop\.hbase\.thrift\.ThriftServer '-p' '8085' '--infoport' '9095' 'start'$/);
    expect(d.command).toContain("'/export/etclab/hbase/conf:/export/etclab/artifacts/hbase-2.5.8/lib/*'");
    expect(d.env?.JDK_JAVA_OPTIONS).toContain('--add-opens=java.base/java.nio=ALL-UNNAMED');
    expect(d.ports).toEqual([8085, 9095]);
  });
  it('uses the pre-2.4 hostname key for older releases', () => {
    expect(regionserverHostnameKey('2.3.7')).toBe('hbase.regionserver.hostname');
    expect(regionserverHostnameKey('2.5.8')).toBe('hbase.unsafe.regionserver.hostname');
  });
  it('rejects an inventory without ZooKeeper or HDFS, naming the fields', () => {
    const issues = hbase.validate!(spec, inv({ hbase: spec }));
    expect(issues.map((i) => i.field)).toEqual(['after', 'settings.rootDir']);
  });
  it('judges the master bean by live RegionServers', () => {
    const doc = { beans: [{ 'tag.isActiveMaster': 'true', numRegionServers: 2, numDeadRegionServers: 1 }] };
    expect(judgeCluster(doc, 3)).toEqual({ ok: false, detail: '2/3 RegionServers live, 1 dead' });
    expect(judgeCluster({ beans: [{ 'tag.isActiveMaster': 'true', numRegionServers: 3 }] }, 3).ok).toBe(true);
  });
});

describe('flink module', () => {
  it('splits TaskManager memory so the parts add up to the process size', () => {
    for (const mb of [512, 1024, 1728, 4096]) {
      const m = taskManagerMemory(mb);
      const sum = m.frameworkHeapMb + m.taskHeapMb + m.frameworkOffHeapMb + m.taskOffHeapMb + m.networkMb + m.managedMb + m.metaspaceMb + m.overheadMb;
      expect(sum).toBe(mb);
    }
    expect(() => taskManagerMemory(256)).toThrow(/256m leaves -?\d+m of task heap/);
  });
  it('renders the memory keys into flink-conf.yaml and the JVM flags from the same numbers', () => {
    const spec = base(flink as typeof hbase);
    const d = flink.daemon({ inventory: inv({ flink: spec }), spec, service: 'flink', role: 'taskmanager', node: nodes[1], home: '/export/etclab/flink', members: members(spec) });
    const conf = d.files[0].content;
    expect(conf).toContain('taskmanager.memory.task.heap.size: 96m');
    expect(conf).toContain('taskmanager.memory.network.min: 32m\ntaskmanager.memory.network.max: 32m');
    expect(conf).toContain('jobmanager.rpc.address: 10.0.0.1');
    expect(conf).toContain('io.tmp.dirs: /export/etclab/flink/tmp');
    expect(d.command).toContain('-Xmx160m');
    expect(d.command).toContain('-XX:MaxDirectMemorySize=96m');
    expect(d.command).toMatch(/TaskManagerRunner '--configDir' '\/export\/etclab\/flink\/conf'$/);
  });
  it('validate names a too-small TaskManager and an old version', () => {
    const spec = base(flink as typeof hbase, { version: '1.10.0', settings: { taskManagerProcessSize: '300m' } });
    expect(flink.validate!(spec, inv({ flink: spec })).map((i) => i.field)).toEqual(['settings.taskManagerProcessSize', 'version']);
  });
  it('judges /overview and /taskmanagers', () => {
    expect(judgeOverview({ taskmanagers: 2, 'slots-total': 4, 'flink-version': '1.18.1' }, 3).ok).toBe(false);
    // Every TaskManager registered, not yet every slot (seen on a fresh machine): not healthy yet.
    expect(judgeOverview({ taskmanagers: 3, 'slots-total': 4, 'flink-version': '1.18.1' }, 3, 6)).toEqual({ ok: false, detail: '3/3 TaskManagers registered, 4/6 slots, Flink 1.18.1' });
    expect(judgeOverview({ taskmanagers: 3, 'slots-total': 6, 'flink-version': '1.18.1' }, 3, 6).ok).toBe(true);
    const tms = { taskmanagers: [{ id: '10.0.0.2:6122-ab', path: 'pekko.tcp://flink@10.0.0.2:6122/user/rpc/taskmanager_0', slotsNumber: 2 }] };
    expect(judgeTaskManager(tms, '10.0.0.2').ok).toBe(true);
    expect(judgeTaskManager(tms, '10.0.0.20').ok).toBe(false);
  });
});
