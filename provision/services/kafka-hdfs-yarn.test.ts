// Pure checks of what the kafka, hdfs and yarn modules render (no process is started here).
import { describe, expect, it } from 'vitest';
import type { Inventory, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import type { ServiceModule } from './types.ts';
import { kafka, kraftClusterId } from './kafka/index.ts';
import { hdfs } from './hdfs/index.ts';
import { yarn } from './yarn/index.ts';
import { judgeCluster as hdfsCluster, judgeDatanode } from './hdfs/probe.ts';
import { judgeCluster as yarnCluster, judgeResourceManager } from './yarn/probe.ts';
import { judgeKafka } from './kafka/probe.ts';

const nodes: NodeSpec[] = [1, 2, 3].map((i) => ({
  name: `node${i}`,
  address: `10.213.7.${10 + i}`,
  baseDir: '/export/etclab',
  javaHome: '/usr/lib/jvm/java-17-openjdk-amd64',
  ssh: { user: 'root', port: 22, key: '/k', knownHosts: '/kh' },
}));
const spec = (m: ServiceModule, over: Partial<ServiceSpec> = {}): ServiceSpec => {
  const d = m.defaults('lab', nodes.map((n) => n.name));
  return { ...d, settings: d.settings ?? {}, ...over };
};
const inv = (services: Record<string, ServiceSpec>): Inventory => ({
  file: '/x/etclab.yaml', cluster: 'etc-lab', profile: 'lab', stateDir: '/x/.etclab', nodes, secrets: {}, services,
});
const zk: ServiceSpec = { roles: { server: ['node1', 'node2', 'node3'] }, version: '3.8', source: { kind: 'debian' }, ports: { client: 2181 }, heap: {}, settings: {}, secrets: {} };
const members = (s: ServiceSpec) => Object.fromEntries(Object.entries(s.roles).map(([r, ns]) => [r, ns.map((n) => nodes.find((x) => x.name === n)!)]));
const daemon = (m: ServiceModule, i: Inventory, role: string, node: NodeSpec) =>
  m.daemon({ inventory: i, spec: i.services[m.name], service: m.name, role, node, home: `${node.baseDir}/${m.name}`, members: members(i.services[m.name]) });
const file = (d: { files: Array<{ path: string; content: string }> }, name: string) => d.files.find((f) => f.path.endsWith(`/${name}`))!.content;

describe('kafka module', () => {
  const i = inv({ zookeeper: zk, kafka: spec(kafka) });
  it('binds each broker to its own address, numbers brokers by role order, uses the ZooKeeper ensemble', () => {
    const d = daemon(kafka, i, 'broker', nodes[1]);
    const props = file(d, 'server.properties');
    expect(props).toContain('broker.id=2\n');
    expect(props).toContain('listeners=PLAINTEXT://10.213.7.12:9092\n');
    expect(props).toContain('zookeeper.connect=10.213.7.11:2181,10.213.7.12:2181,10.213.7.13:2181/kafka\n');
    expect(props).toContain('offsets.topic.replication.factor=3\n');
    expect(props).not.toMatch(/0\.0\.0\.0|\{\{/);
    expect(d.command).toMatch(/'\/usr\/lib\/jvm\/java-17-openjdk-amd64\/bin\/java' -Xms256m -Xmx256m .* -cp '\/export\/etclab\/kafka\/conf:\/export\/etclab\/artifacts\/kafka-3\.9\.1\/lib\/\*' kafka\.Kafka '\/export\/etclab\/kafka\/conf\/server\.properties'$/);
    expect(d.probe).toEqual({ protocol: 'kafka', node: 'node2', brokers: ['10.213.7.12:9092'], expectBrokerId: 2 });
    expect(kafka.after).toEqual(['zookeeper']);
  });
  it('kraft mode: combined roles, voters on every broker, storage formatted only without meta.properties', () => {
    const k = inv({ kafka: spec(kafka, { settings: { mode: 'kraft' } }) });
    const d = daemon(kafka, k, 'broker', nodes[0]);
    const props = file(d, 'server.properties');
    expect(props).toContain('controller.quorum.voters=1@10.213.7.11:9093,2@10.213.7.12:9093,3@10.213.7.13:9093\n');
    expect(props).toContain('node.id=1\n');
    expect(d.prestart).toContain("if [ ! -f '/export/etclab/kafka/data/kafka-logs/meta.properties' ]");
    expect(d.prestart).toContain(`kafka.tools.StorageTool 'format' '-t' '${kraftClusterId('etc-lab')}'`);
    expect(kraftClusterId('etc-lab')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.ports).toEqual([9092, 9093]);
  });
  it('validate names the field', () => {
    expect(kafka.validate!(spec(kafka), inv({ kafka: spec(kafka) }))).toEqual([
      { field: 'settings.mode', message: expect.stringContaining('needs services.zookeeper') },
    ]);
    expect(kafka.validate!(spec(kafka, { version: '2.4.1', settings: { mode: 'kraft' } }), i)[0].message).toMatch(/2\.4\.1 has no production KRaft/);
  });
  it('existing install: classpath is <home>/libs/* and install only checks it', () => {
    const s = spec(kafka, { version: '2.4.1', source: { kind: 'existing', home: '/export/server/kafka' } });
    const d = daemon(kafka, inv({ zookeeper: zk, kafka: s }), 'broker', nodes[0]);
    expect(d.command).toContain("-cp '/export/etclab/kafka/conf:/export/server/kafka/libs/*'");
    const a = kafka.install!({ inventory: i, spec: s, service: 'kafka', node: nodes[0], home: '/export/etclab/kafka', members: members(s) });
    expect(a).toMatchObject({ kind: 'shell', script: expect.stringContaining('/export/server/kafka/libs') });
  });
});

describe('hdfs module', () => {
  const i = inv({ hdfs: spec(hdfs) });
  it('formats the NameNode only when current/VERSION is absent, never with a prompt', () => {
    const d = daemon(hdfs, i, 'namenode', nodes[0]);
    expect(d.prestart).toContain("if [ ! -f '/export/etclab/hdfs/data/name/current/VERSION' ]");
    expect(d.prestart).toMatch(/org\.apache\.hadoop\.hdfs\.server\.namenode\.NameNode '-format' '-nonInteractive' '-clusterId' 'CID-etc-lab'/);
    expect(daemon(hdfs, i, 'datanode', nodes[0]).prestart).not.toContain('-format');
    expect(d.env?.JDK_JAVA_OPTIONS).toContain('--add-opens=java.base/java.lang=ALL-UNNAMED');
    expect(d.command).not.toContain('--add-opens'); // JDK 8 launchers refuse it
  });
  it('puts every address on the node and fs.defaultFS on the NameNode', () => {
    const d = daemon(hdfs, i, 'datanode', nodes[2]);
    const site = file(d, 'hdfs-site.xml');
    expect(site).toContain('<name>dfs.datanode.address</name><value>10.213.7.13:9866</value>');
    expect(site).toContain('<name>dfs.namenode.rpc-address</name><value>10.213.7.11:8020</value>');
    expect(site).toContain('<name>dfs.replication</name><value>3</value>');
    expect(file(d, 'core-site.xml')).toContain('<value>hdfs://10.213.7.11:8020</value>');
    expect(site + file(d, 'core-site.xml')).not.toMatch(/0\.0\.0\.0|\{\{/);
    expect(d.ports).toEqual([9866, 9864, 9867]);
    expect(hdfs.clusterProbe!({ inventory: i, spec: i.services.hdfs, members: members(i.services.hdfs) })).toEqual({
      protocol: 'hdfs', check: 'cluster', http: '10.213.7.11:9870', expectLiveDataNodes: 3,
    });
  });
  it('escapes user properties and rejects a second NameNode', () => {
    const s = spec(hdfs, { settings: { hdfsSite: { 'dfs.x': 'a<b' } } });
    expect(file(daemon(hdfs, inv({ hdfs: s }), 'namenode', nodes[0]), 'hdfs-site.xml')).toContain('<value>a&lt;b</value>');
    expect(hdfs.validate!(spec(hdfs, { roles: { namenode: ['node1', 'node2'], datanode: ['node1'] } }), i).map((x) => x.field)).toContain('roles.namenode');
  });
  it('existing Hadoop install: share/hadoop classpath', () => {
    const s = spec(hdfs, { source: { kind: 'existing', home: '/export/server/hadoop' } });
    expect(daemon(hdfs, inv({ hdfs: s }), 'namenode', nodes[0]).command).toContain(
      "-cp '/export/etclab/hdfs/conf:/export/server/hadoop/share/hadoop/common/*:/export/server/hadoop/share/hadoop/common/lib/*:/export/server/hadoop/share/hadoop/hdfs:/export/server/hadoop/share/hadoop/hdfs/*:/export/server/hadoop/share/hadoop/hdfs/lib/*'",
    );
  });
});

describe('yarn module', () => {
  const i = inv({ hdfs: spec(hdfs), yarn: spec(yarn) });
  it('NodeManager addresses on the node, RM on its node, a queue tree, HDFS as default FS', () => {
    const d = daemon(yarn, i, 'nodemanager', nodes[1]);
    const site = file(d, 'yarn-site.xml');
    expect(site).toContain('<name>yarn.nodemanager.address</name><value>10.213.7.12:8041</value>');
    expect(site).toContain('<name>yarn.resourcemanager.resource-tracker.address</name><value>10.213.7.11:8031</value>');
    expect(site).toContain('<name>yarn.nodemanager.resource.memory-mb</name><value>2048</value>');
    expect(file(d, 'capacity-scheduler.xml')).toContain('<name>yarn.scheduler.capacity.root.queues</name><value>default</value>');
    expect(file(d, 'core-site.xml')).toContain('hdfs://10.213.7.11:8020');
    expect(d.command).toMatch(/-Xmx192m .*org\.apache\.hadoop\.yarn\.server\.nodemanager\.NodeManager$/);
    expect(yarn.after).toEqual(['hdfs']);
  });
  it('validate requires HDFS', () => {
    expect(yarn.validate!(spec(yarn), inv({ yarn: spec(yarn) })).map((x) => x.message).join()).toMatch(/add services\.hdfs/);
  });
});

describe('probe verdicts', () => {
  it('hdfs cluster: counts live DataNodes and safe mode', () => {
    const doc = (live: number, st: string) => ({ beans: [{ NumLiveDataNodes: live, NumDeadDataNodes: 0, FSState: st }] });
    expect(hdfsCluster(doc(3, 'Operational'), 3)).toEqual({ ok: true, detail: '3/3 DataNodes live, safe mode off' });
    expect(hdfsCluster(doc(1, 'Operational'), 3).ok).toBe(false);
    expect(hdfsCluster(doc(3, 'safeMode'), 3)).toEqual({ ok: false, detail: '3/3 DataNodes live, NameNode in safeMode' });
    expect(judgeDatanode({ beans: [{ NamenodeAddresses: '{"nn":null}' }] }).ok).toBe(false);
  });
  it('yarn: active RM and NodeManager count', () => {
    expect(judgeResourceManager({ clusterInfo: { state: 'STARTED', haState: 'STANDBY' } }).ok).toBe(false);
    expect(yarnCluster({ clusterMetrics: { activeNodes: 2, unhealthyNodes: 1, totalMB: 4096, totalVirtualCores: 4 } }, 3)).toEqual({
      ok: false, detail: '2/3 NodeManagers active, 1 unhealthy, 4096 MB / 4 vcores',
    });
  });
  it('kafka: broker count, own id, controller', () => {
    const b = (id: number) => ({ nodeId: id, host: `h${id}`, port: 9092 });
    expect(judgeKafka({ brokers: [b(2), b(1)], controller: 1 }, { expectBrokers: 3 })).toEqual({ ok: false, detail: '2/3 brokers: brokers 1@h1:9092 2@h2:9092, controller 1' });
    expect(judgeKafka({ brokers: [b(1)], controller: 1 }, { expectBrokerId: 1 }).ok).toBe(true);
    expect(judgeKafka({ brokers: [b(1)], controller: -1 }, { expectBrokerId: 1 }).ok).toBe(false);
  });
});
