// HBase: HMaster, RegionServers, and the Thrift gateways, each a plain `java -cp` of the cached jars.
//
// Two Thrift servers: thrift1 on 8085 is what the ETC pipeline and the user's tools speak (buffered
// transport, binary protocol); thrift2 (9090) exists because thrift1 cannot create a table with split
// keys or truncate one, which the pipeline's table setup needs. Drop the thrift2 role when tables are
// created another way.
import type { Inventory, NodeSpec, ServiceSpec } from '../../inventory/types.ts';
import type { DaemonContext, ServiceModule } from '../types.ts';
import { render } from '../render.ts';
import { installRuntime, runtimeClasspath, runtimeHome, type Layout } from '../../artifacts/index.ts';
import { javaCommand } from '../common.ts';
import { extraProperties, validateProperties } from '../hdfs/hadoop.ts';
import { hbaseArtifact } from './artifact.ts';

export { artifact, hbaseArtifact } from './artifact.ts';

// Only used for the maven kind (lib/*); HBase tarballs and installs keep jars in lib/, not Kafka's libs/.
const LAYOUT: Layout = { kind: 'kafka' };

/** Jar directories of the runtime on a node (tarball and existing installs: <home>/lib). */
export function hbaseClasspath(spec: ServiceSpec, node: NodeSpec): string[] {
  const a = { service: 'hbase', version: spec.version };
  return spec.source.kind === 'maven' ? runtimeClasspath(spec.source, node, a, LAYOUT) : [`${runtimeHome(spec.source, node, a)}/lib/*`];
}
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const MAIN: Record<string, { main: string; args: (spec: ServiceSpec) => string[] }> = {
  master: { main: 'org.apache.hadoop.hbase.master.HMaster', args: () => ['start'] },
  regionserver: { main: 'org.apache.hadoop.hbase.regionserver.HRegionServer', args: () => ['start'] },
  // Options go before `start`. No -f/-c/-hsha: the defaults are what clients expect (buffered, binary, thread pool).
  thrift: { main: 'org.apache.hadoop.hbase.thrift.ThriftServer', args: (s) => ['-p', String(s.ports.thrift), '--infoport', String(s.ports.thriftInfo), 'start'] },
  thrift2: { main: 'org.apache.hadoop.hbase.thrift2.ThriftServer', args: (s) => ['-p', String(s.ports.thrift2), '--infoport', String(s.ports.thrift2Info), 'start'] },
};

const ROLE_PORTS: Record<string, string[]> = {
  master: ['master', 'masterInfo'],
  regionserver: ['regionserver', 'regionserverInfo'],
  thrift: ['thrift', 'thriftInfo'],
  thrift2: ['thrift2', 'thrift2Info'],
};

/**
 * What `bin/hbase` adds on JDK 11+. Passed in JDK_JAVA_OPTIONS, which only Java 9+ launchers read, so a
 * user's JDK 8 with HBase 2.3 gets the same command without flags its launcher would reject.
 */
export const HBASE_JAVA17_OPTIONS = [
  '-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true',
  '--add-modules=jdk.unsupported',
  ...['java.io', 'java.nio', 'sun.nio.ch', 'java.lang', 'jdk.internal.ref', 'java.lang.reflect', 'java.util', 'java.util.concurrent'].map(
    (p) => `--add-opens=java.base/${p}=ALL-UNNAMED`,
  ),
  ...['java.base/jdk.internal.misc', 'java.base/sun.net.dns', 'java.base/sun.net.util', 'java.security.jgss/sun.security.krb5'].map(
    (p) => `--add-exports=${p}=ALL-UNNAMED`,
  ),
];

/** HBase 2.4 renamed the RegionServer hostname key; older releases only read the old one. */
export function regionserverHostnameKey(version: string): string {
  const [maj, min] = version.split('.').map((x) => Number.parseInt(x, 10));
  return maj > 2 || (maj === 2 && min >= 4) ? 'hbase.unsafe.regionserver.hostname' : 'hbase.regionserver.hostname';
}

function nodesOf(inventory: Inventory, names: string[] | undefined): NodeSpec[] {
  return (names ?? []).map((n) => {
    const node = inventory.nodes.find((x) => x.name === n);
    if (!node) throw new Error(`${inventory.file}: node ${n} is not in nodes`);
    return node;
  });
}

/** Where HBase finds ZooKeeper and HDFS: from those services' own inventory entries. */
export function dependencies(inventory: Inventory, spec: ServiceSpec) {
  const zk = inventory.services.zookeeper;
  const hdfs = inventory.services.hdfs;
  if (!zk) throw new Error(`${inventory.file}: services.hbase needs services.zookeeper`);
  const quorum = nodesOf(inventory, zk.roles.server);
  let rootDir = typeof spec.settings.rootDir === 'string' ? spec.settings.rootDir : '';
  if (!rootDir) {
    if (!hdfs) throw new Error(`${inventory.file}: services.hbase needs services.hdfs (or settings.rootDir)`);
    const nn = nodesOf(inventory, hdfs.roles.namenode)[0];
    rootDir = `hdfs://${nn.address}:${hdfs.ports.namenodeRpc}/hbase`;
  }
  return { quorum: quorum.map((n) => n.address).join(','), zkPort: zk.ports.client, rootDir };
}

export function hbaseSite(ctx: Omit<DaemonContext, 'role'>): string {
  const { spec, node, home, inventory } = ctx;
  const dep = dependencies(inventory, spec);
  const p = spec.ports;
  return render('hbase/templates/hbase-site.xml', {
    node: node.name,
    address: node.address,
    rootDir: dep.rootDir,
    tmpDir: `${home}/tmp`,
    zkQuorum: dep.quorum,
    zkPort: dep.zkPort,
    znodeParent: String(spec.settings.znodeParent ?? '/hbase'),
    masterPort: p.master,
    masterInfoPort: p.masterInfo,
    regionserverHostnameKey: regionserverHostnameKey(spec.version),
    regionserverPort: p.regionserver,
    regionserverInfoPort: p.regionserverInfo,
    extra: extraProperties(spec.settings.hbaseSite),
  });
}

export function hbaseCommand(ctx: DaemonContext): { command: string; env: Record<string, string> } {
  const { spec, node, home, role } = ctx;
  const conf = `${home}/conf`;
  const launch = MAIN[role];
  if (!launch) throw new Error(`hbase: unknown role ${role}`);
  const command = javaCommand({
    javaHome: node.javaHome,
    heap: spec.heap[role],
    // conf first: HBaseConfiguration reads hbase-site.xml as a classpath resource.
    classpath: [conf, ...hbaseClasspath(spec, node)].join(':'),
    main: launch.main,
    args: launch.args(spec),
    props: {
      'hbase.log.dir': `${home}/logs`,
      'hbase.log.file': `${role}.log`,
      'hbase.home.dir': home,
      'hbase.id.str': role,
      'log4j.configuration': `file:${conf}/log4j.properties`,
    },
    tmpDir: `${home}/tmp`,
  });
  return { command, env: { JDK_JAVA_OPTIONS: HBASE_JAVA17_OPTIONS.join(' '), HBASE_CONF_DIR: conf } };
}

const PORT_KEYS = ['master', 'masterInfo', 'regionserver', 'regionserverInfo', 'thrift', 'thriftInfo', 'thrift2', 'thrift2Info'];

export const hbase: ServiceModule = {
  name: 'hbase',
  description: 'HBase 2.5 (HMaster, RegionServers, Thrift 8085 + thrift2 admin) on HDFS; health: N live RegionServers, Thrift answers getTableNames',
  roles: ['master', 'regionserver', 'thrift', 'thrift2'],
  roleTiers: [['master'], ['regionserver'], ['thrift', 'thrift2']],
  runtime: 'java',
  after: ['hdfs', 'zookeeper'],
  defaults: (profile, nodes) => ({
    roles: { master: nodes.slice(0, 1), regionserver: nodes.slice(0, 3), thrift: nodes.slice(0, 1), thrift2: nodes.slice(0, 1) },
    version: hbaseArtifact().version,
    source: { kind: 'maven' },
    ports: { master: 16000, masterInfo: 16010, regionserver: 16020, regionserverInfo: 16030, thrift: 8085, thriftInfo: 9095, thrift2: 9090, thrift2Info: 9096 },
    heap:
      profile === 'lab'
        ? { master: '256m', regionserver: '512m', thrift: '256m', thrift2: '128m' }
        : { master: '1g', regionserver: '2g', thrift: '512m', thrift2: '256m' },
    secrets: {},
  }),
  validate(spec, inventory) {
    const issues = validateProperties(spec, 'hbaseSite');
    if ((spec.roles.master?.length ?? 0) < 1) issues.push({ field: 'roles.master', message: 'at least one HMaster' });
    if ((spec.roles.regionserver?.length ?? 0) < 1) issues.push({ field: 'roles.regionserver', message: 'at least one RegionServer' });
    if ((spec.roles.thrift?.length ?? 0) > 1 || (spec.roles.thrift2?.length ?? 0) > 1)
      issues.push({ field: 'roles.thrift', message: 'at most one node per Thrift role (clients are given one address)' });
    for (const k of PORT_KEYS) if (!Number.isInteger(spec.ports[k])) issues.push({ field: `ports.${k}`, message: 'must be a port number' });
    if (!inventory.services.zookeeper) issues.push({ field: 'after', message: 'HBase needs services.zookeeper in the inventory' });
    if (!inventory.services.hdfs && typeof spec.settings.rootDir !== 'string')
      issues.push({ field: 'settings.rootDir', message: 'HBase needs services.hdfs in the inventory, or settings.rootDir pointing at a filesystem every node shares' });
    if (spec.source.kind === 'debian') issues.push({ field: 'source.kind', message: 'Debian has no HBase package: use maven, tarball or existing' });
    if (!/^\d+\.\d+/.test(spec.version)) issues.push({ field: 'version', message: `expected an HBase release like 2.5.8, got ${JSON.stringify(spec.version)}` });
    return issues;
  },
  install(ctx) {
    const a = { service: 'hbase', version: ctx.spec.version };
    if (ctx.spec.source.kind !== 'existing') return installRuntime(a, ctx.spec.source, ctx.node, LAYOUT);
    const lib = hbaseClasspath(ctx.spec, ctx.node)[0].slice(0, -2);
    return {
      kind: 'shell',
      script: `if ! ls ${q(lib)}/hbase-server-*.jar >/dev/null 2>&1; then echo "services.hbase.source.home: no hbase-server jar in ${lib} on $(hostname)" >&2; exit 1; fi
echo "ETCLAB_UNCHANGED hbase found in ${lib}"
`,
    };
  },
  daemon(ctx) {
    const { spec, node, home, role } = ctx;
    const conf = `${home}/conf`;
    const launch = hbaseCommand(ctx);
    const port = (k: string) => spec.ports[k];
    const http = (k: string) => `${node.address}:${port(k)}`;
    const probe =
      role === 'master'
        ? { protocol: 'hbase', check: 'master', node: node.name, http: http('masterInfo') }
        : role === 'regionserver'
          ? { protocol: 'hbase', check: 'regionserver', node: node.name, http: http('regionserverInfo') }
          : role === 'thrift'
            ? { protocol: 'hbase-thrift', api: 1, node: node.name, host: node.address, port: port('thrift') }
            : { protocol: 'hbase-thrift', api: 2, node: node.name, host: node.address, port: port('thrift2') };
    return {
      role,
      files: [
        { path: `${conf}/hbase-site.xml`, content: hbaseSite(ctx), mode: 0o644 },
        { path: `${conf}/log4j.properties`, content: render('hbase/templates/log4j.properties', {}), mode: 0o644 },
      ],
      command: launch.command,
      env: launch.env,
      prestart: `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/logs`)}`,
      ports: ROLE_PORTS[role].map(port),
      probe,
      // A RegionServer closes its regions and flushes memstores on SIGTERM.
      stopGraceSec: role === 'regionserver' ? 60 : 20,
    };
  },
  clusterProbe: ({ spec, members }) => {
    const thrift = members.thrift?.[0];
    return {
      protocol: 'hbase',
      check: 'cluster',
      http: `${members.master[0].address}:${spec.ports.masterInfo}`,
      expectRegionServers: members.regionserver?.length ?? 0,
      ...(thrift ? { thrift: { host: thrift.address, port: spec.ports.thrift } } : {}),
    };
  },
};
