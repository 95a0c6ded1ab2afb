// Kafka brokers launched as `java -cp … kafka.Kafka server.properties` from the cached jars.
//
// Mode: ZooKeeper by default. The user's own cluster runs Kafka 2.4, which has no KRaft at all, and the
// lab runs a ZooKeeper ensemble anyway (HBase needs it), so ZooKeeper mode is the one path that serves
// both with the same module; 3.9 is the last line that still has it. `settings.mode: kraft` (Kafka ≥ 3.3)
// runs each broker as a combined broker+controller instead, with the one-time storage format as prestart.
import type { Inventory, NodeSpec, ServiceSpec } from '../../inventory/types.ts';
import type { ServiceModule, DaemonContext } from '../types.ts';
import { render } from '../render.ts';
import { installRuntime, runtimeClasspath, type Layout } from '../../artifacts/index.ts';
import { javaCommand } from '../common.ts';
import { createHash } from 'node:crypto';

const LAYOUT: Layout = { kind: 'kafka' };
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

type Mode = 'zookeeper' | 'kraft';
const modeOf = (spec: ServiceSpec): Mode => (spec.settings.mode === 'kraft' ? 'kraft' : 'zookeeper');

/** Broker ids follow the order of roles.broker, starting at 1 (keep that order stable once data exists). */
const brokerId = (members: NodeSpec[], node: NodeSpec) => members.findIndex((n) => n.name === node.name) + 1;

function zookeeperConnect(inv: Inventory, chroot: string): string {
  const zk = inv.services.zookeeper;
  if (!zk) throw new Error('kafka in zookeeper mode needs services.zookeeper in the inventory');
  const hosts = (zk.roles.server ?? []).map((name) => {
    const n = inv.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`services.zookeeper.roles.server names unknown node ${name}`);
    return `${n.address}:${zk.ports.client ?? 2181}`;
  });
  return hosts.join(',') + chroot;
}

/** KRaft cluster ids are 16 bytes base64url; derived from the cluster name so every node agrees without state. */
export function kraftClusterId(cluster: string): string {
  return createHash('sha256').update(`etclab:${cluster}`).digest().subarray(0, 16).toString('base64url');
}

const versionAtLeast = (v: string, major: number, minor: number) => {
  const [a, b] = v.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

function serverProperties(ctx: DaemonContext): string {
  const { spec, node, members, home, inventory } = ctx;
  const brokers = members.broker;
  const mode = modeOf(spec);
  const id = brokerId(brokers, node);
  const port = spec.ports.broker;
  const replication = Math.max(1, Math.min(3, brokers.length));
  const s = spec.settings;
  const listeners =
    mode === 'kraft' ? `PLAINTEXT://${node.address}:${port},CONTROLLER://${node.address}:${spec.ports.controller}` : `PLAINTEXT://${node.address}:${port}`;
  const modeSettings =
    mode === 'kraft'
      ? [
          'process.roles=broker,controller',
          `controller.quorum.voters=${brokers.map((n, i) => `${i + 1}@${n.address}:${spec.ports.controller}`).join(',')}`,
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=PLAINTEXT',
          'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        ].join('\n')
      : [`zookeeper.connect=${zookeeperConnect(inventory, String(s.zookeeperChroot ?? '/kafka'))}`, 'zookeeper.connection.timeout.ms=30000'].join('\n');
  const extra = Object.entries((s.serverProperties as Record<string, unknown>) ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  return render('kafka/templates/server.properties', {
    node: node.name,
    mode,
    idSettings: mode === 'kraft' ? `node.id=${id}` : `broker.id=${id}`,
    listeners,
    advertisedListeners: `PLAINTEXT://${node.address}:${port}`,
    modeSettings,
    logDirs: `${home}/data/kafka-logs`,
    numPartitions: Number(s.numPartitions ?? 3),
    replication,
    minIsr: Math.max(1, replication - 1),
    autoCreateTopics: String(s.autoCreateTopics ?? true),
    // Replayed passages carry their 2023 event time as the record timestamp, so retention by time would
    // delete a fresh replay at the next check (within 5 minutes): by default keep by size only.
    retentionHours: Number(s.retentionHours ?? -1),
    retentionBytes: Number(s.retentionBytes ?? 2 * 1024 ** 3),
    segmentBytes: Number(s.segmentBytes ?? 1073741824),
    initialRebalanceDelayMs: inventory.profile === 'lab' ? 0 : 3000,
    extra,
  });
}

export const kafka: ServiceModule = {
  name: 'kafka',
  description: 'Kafka brokers (3.9, ZooKeeper mode by default) from Maven Central jars; health: metadata lists every broker',
  roles: ['broker'],
  runtime: 'java',
  after: ['zookeeper'],
  defaults: (profile, nodes) => ({
    roles: { broker: nodes.slice(0, 3) },
    version: '3.9.1',
    source: { kind: 'maven' },
    ports: { broker: 9092, controller: 9093 },
    heap: { broker: profile === 'lab' ? '256m' : '1g' },
    secrets: {},
    settings: { mode: 'zookeeper', zookeeperChroot: '/kafka' },
  }),
  validate(spec, inventory) {
    const issues: Array<{ field: string; message: string }> = [];
    const mode = spec.settings.mode ?? 'zookeeper';
    if (mode !== 'zookeeper' && mode !== 'kraft') issues.push({ field: 'settings.mode', message: 'must be zookeeper or kraft' });
    if (mode === 'zookeeper' && !inventory.services.zookeeper)
      issues.push({ field: 'settings.mode', message: 'zookeeper mode needs services.zookeeper (or set mode: kraft on Kafka ≥ 3.3)' });
    if (mode === 'kraft' && !versionAtLeast(spec.version, 3, 3))
      issues.push({ field: 'settings.mode', message: `Kafka ${spec.version} has no production KRaft mode: use zookeeper` });
    if (mode === 'zookeeper' && versionAtLeast(spec.version, 4, 0))
      issues.push({ field: 'settings.mode', message: `Kafka ${spec.version} removed ZooKeeper mode: use kraft` });
    const chroot = spec.settings.zookeeperChroot;
    if (chroot !== undefined && (typeof chroot !== 'string' || !/^(\/[A-Za-z0-9_.-]+)+$/.test(chroot)))
      issues.push({ field: 'settings.zookeeperChroot', message: 'must be a ZooKeeper path such as /kafka' });
    if ((spec.roles.broker?.length ?? 0) === 0) issues.push({ field: 'roles.broker', message: 'at least one broker' });
    if (spec.source.kind === 'debian') issues.push({ field: 'source.kind', message: 'Debian has no Kafka package: use maven, tarball or existing' });
    return issues;
  },
  install: (ctx) => installRuntime({ service: 'kafka', version: ctx.spec.version }, ctx.spec.source, ctx.node, LAYOUT),
  daemon(ctx) {
    const { spec, node, home, members, inventory } = ctx;
    const conf = `${home}/conf`;
    const classpath = [conf, ...runtimeClasspath(spec.source, node, { service: 'kafka', version: spec.version }, LAYOUT)].join(':');
    const java = (main: string, args: string[], heap: string) =>
      javaCommand({
        javaHome: node.javaHome,
        heap,
        classpath,
        main,
        args,
        props: { 'kafka.logs.dir': `${home}/logs`, 'log4j.configuration': `file:${conf}/log4j.properties`, 'java.awt.headless': 'true' },
        tmpDir: `${home}/tmp`,
      });
    let prestart = `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/logs`)} ${q(`${home}/data/kafka-logs`)}`;
    if (modeOf(spec) === 'kraft') {
      // Formatting is what makes a log dir belong to a cluster; meta.properties marks it done.
      prestart += `
if [ ! -f ${q(`${home}/data/kafka-logs/meta.properties`)} ]; then
  ${java('kafka.tools.StorageTool', ['format', '-t', kraftClusterId(inventory.cluster), '-c', `${conf}/server.properties`, '--ignore-formatted'], '128m')} >> ${q(`${home}/logs/storage-format.out`)} 2>&1 || { echo "kafka storage format failed:"; tail -n 30 ${q(`${home}/logs/storage-format.out`)}; exit 1; }
  echo "ETCLAB_CHANGED formatted kafka log dir"
fi`;
    }
    const id = brokerId(members.broker, node);
    return {
      role: 'broker',
      files: [
        { path: `${conf}/server.properties`, content: serverProperties(ctx), mode: 0o644 },
        { path: `${conf}/log4j.properties`, content: render('kafka/templates/log4j.properties', {}), mode: 0o644 },
      ],
      command: java('kafka.Kafka', [`${conf}/server.properties`], spec.heap.broker),
      prestart,
      ports: modeOf(spec) === 'kraft' ? [spec.ports.broker, spec.ports.controller] : [spec.ports.broker],
      probe: { protocol: 'kafka', node: node.name, brokers: [`${node.address}:${spec.ports.broker}`], expectBrokerId: id },
      stopGraceSec: 30,
    };
  },
  clusterProbe: ({ spec, members }) => ({
    protocol: 'kafka',
    brokers: members.broker.map((n) => `${n.address}:${spec.ports.broker}`),
    expectBrokers: members.broker.length,
    checkReplication: true,
  }),
};
