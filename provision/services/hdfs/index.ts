// HDFS: one NameNode, DataNodes, a SecondaryNameNode, each a plain `java -cp` of the cached Hadoop jars.
import type { NodeSpec } from '../../inventory/types.ts';
import type { ServiceModule, DaemonContext } from '../types.ts';
import { render } from '../render.ts';
import { installRuntime, type Layout } from '../../artifacts/index.ts';
import { extraProperties, hadoopCommand, hadoopJdkOptions, validateProperties } from './hadoop.ts';

const LAYOUT: Layout = { kind: 'hadoop', parts: ['common', 'hdfs'] };
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const MAIN: Record<string, string> = {
  namenode: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
  datanode: 'org.apache.hadoop.hdfs.server.datanode.DataNode',
  secondarynamenode: 'org.apache.hadoop.hdfs.server.namenode.SecondaryNameNode',
};

export const hdfsDirs = (home: string) => ({
  name: `${home}/data/name`,
  data: `${home}/data/data`,
  checkpoint: `${home}/data/namesecondary`,
});

/** core-site.xml as every Hadoop daemon (HDFS, YARN, HBase's client) of this inventory sees it. */
export function coreSite(opts: { node: NodeSpec; namenode: NodeSpec; rpcPort: number; home: string; extra?: unknown }): string {
  return render('hdfs/templates/core-site.xml', {
    node: opts.node.name,
    defaultFS: `hdfs://${opts.namenode.address}:${opts.rpcPort}`,
    tmpDir: `${opts.home}/tmp/hadoop`,
    extra: extraProperties(opts.extra),
  });
}

function hdfsSite(ctx: Omit<DaemonContext, 'role'>): string {
  const { spec, members, node, home } = ctx;
  const p = spec.ports;
  const dirs = hdfsDirs(home);
  const datanodes = members.datanode?.length ?? 0;
  return render('hdfs/templates/hdfs-site.xml', {
    node: node.name,
    address: node.address,
    nameDir: dirs.name,
    dataDir: dirs.data,
    checkpointDir: dirs.checkpoint,
    replication: Number(spec.settings.replication ?? Math.max(1, Math.min(3, datanodes))),
    namenodeAddress: members.namenode[0].address,
    namenodeRpcPort: p.namenodeRpc,
    namenodeHttpPort: p.namenodeHttp,
    secondaryAddress: (members.secondarynamenode?.[0] ?? members.namenode[0]).address,
    secondaryHttpPort: p.secondaryHttp,
    datanodePort: p.datanode,
    datanodeHttpPort: p.datanodeHttp,
    datanodeIpcPort: p.datanodeIpc,
    safemodeExtensionMs: Number(spec.settings.safemodeExtensionMs ?? 30000),
    permissions: String(spec.settings.permissions ?? true),
    extra: extraProperties(spec.settings.hdfsSite),
  });
}

const ROLE_PORTS: Record<string, string[]> = {
  namenode: ['namenodeRpc', 'namenodeHttp'],
  datanode: ['datanode', 'datanodeHttp', 'datanodeIpc'],
  secondarynamenode: ['secondaryHttp'],
};

export const hdfs: ServiceModule = {
  name: 'hdfs',
  description: 'HDFS 3.3 (NameNode, DataNodes, SecondaryNameNode) from Maven Central jars; health: N live DataNodes, safe mode off',
  roles: ['namenode', 'datanode', 'secondarynamenode'],
  roleTiers: [['namenode'], ['datanode', 'secondarynamenode']],
  runtime: 'java',
  after: [],
  defaults: (profile, nodes) => ({
    roles: { namenode: nodes.slice(0, 1), datanode: nodes.slice(0, 3), secondarynamenode: nodes.slice(1, 2).length ? nodes.slice(1, 2) : nodes.slice(0, 1) },
    version: '3.3.6',
    source: { kind: 'maven' },
    ports: { namenodeRpc: 8020, namenodeHttp: 9870, datanode: 9866, datanodeHttp: 9864, datanodeIpc: 9867, secondaryHttp: 9868 },
    heap: profile === 'lab' ? { namenode: '256m', datanode: '128m', secondarynamenode: '128m' } : { namenode: '1g', datanode: '512m', secondarynamenode: '512m' },
    secrets: {},
    // Lab restarts are frequent and hold few blocks: waiting 30 s in safe mode after each buys nothing.
    settings: profile === 'lab' ? { safemodeExtensionMs: 3000 } : {},
  }),
  validate(spec) {
    const issues = [...validateProperties(spec, 'hdfsSite'), ...validateProperties(spec, 'coreSite')];
    if ((spec.roles.namenode?.length ?? 0) !== 1)
      issues.push({ field: 'roles.namenode', message: 'exactly one NameNode (etclab does not set up HDFS HA)' });
    if ((spec.roles.secondarynamenode?.length ?? 0) > 1)
      issues.push({ field: 'roles.secondarynamenode', message: 'at most one SecondaryNameNode' });
    if ((spec.roles.datanode?.length ?? 0) === 0) issues.push({ field: 'roles.datanode', message: 'at least one DataNode' });
    const r = spec.settings.replication;
    if (r !== undefined && (!Number.isInteger(r) || (r as number) < 1 || (r as number) > (spec.roles.datanode?.length ?? 0)))
      issues.push({ field: 'settings.replication', message: `must be an integer from 1 to the number of DataNodes (${spec.roles.datanode?.length ?? 0})` });
    for (const k of ['namenodeRpc', 'namenodeHttp', 'datanode', 'datanodeHttp', 'datanodeIpc', 'secondaryHttp'])
      if (!Number.isInteger(spec.ports[k])) issues.push({ field: `ports.${k}`, message: 'must be a port number' });
    if (spec.source.kind === 'debian') issues.push({ field: 'source.kind', message: 'Debian has no Hadoop package: use maven, tarball or existing' });
    return issues;
  },
  install: (ctx) => installRuntime({ service: 'hdfs', version: ctx.spec.version }, ctx.spec.source, ctx.node, LAYOUT),
  daemon(ctx) {
    const { spec, node, home, role, members } = ctx;
    const conf = `${home}/conf`;
    const dirs = hdfsDirs(home);
    const launch = hadoopCommand({ service: 'hdfs', spec, node, home, role, main: MAIN[role], layout: LAYOUT, logPrefix: 'hadoop' });
    const files = [
      { path: `${conf}/core-site.xml`, content: coreSite({ node, namenode: members.namenode[0], rpcPort: spec.ports.namenodeRpc, home, extra: spec.settings.coreSite }), mode: 0o644 },
      { path: `${conf}/hdfs-site.xml`, content: hdfsSite(ctx), mode: 0o644 },
      { path: `${conf}/log4j.properties`, content: render('hdfs/templates/log4j.properties', {}), mode: 0o644 },
    ];
    let prestart = `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/logs`)}`;
    if (role === 'namenode') {
      // Formatting again would orphan every block on every DataNode: the VERSION file is the only guard
      // (and -nonInteractive makes the NameNode itself refuse to overwrite an existing name dir).
      const format = hadoopCommand({
        service: 'hdfs',
        spec,
        node,
        home,
        role: 'namenode-format',
        heap: spec.heap.namenode,
        main: MAIN.namenode,
        args: ['-format', '-nonInteractive', '-clusterId', `CID-${ctx.inventory.cluster}`],
        layout: LAYOUT,
        logPrefix: 'hadoop',
      }).command;
      prestart += `
if [ ! -f ${q(`${dirs.name}/current/VERSION`)} ]; then
  echo "formatting the NameNode name dir ${dirs.name} (first start)"
  JDK_JAVA_OPTIONS=${q(hadoopJdkOptions())} ${format} >> ${q(`${home}/logs/namenode-format.out`)} 2>&1 || { echo "NameNode format failed; last lines of ${home}/logs/namenode-format.out:"; tail -n 30 ${q(`${home}/logs/namenode-format.out`)}; exit 1; }
  echo "ETCLAB_CHANGED formatted NameNode ${dirs.name}"
fi`;
    }
    const port = (k: string) => spec.ports[k];
    const http = (k: string) => `${node.address}:${port(k)}`;
    const probe =
      role === 'namenode'
        ? { protocol: 'hdfs', check: 'namenode', node: node.name, http: http('namenodeHttp') }
        : role === 'datanode'
          ? { protocol: 'hdfs', check: 'datanode', node: node.name, http: http('datanodeHttp') }
          : { protocol: 'hdfs', check: 'secondarynamenode', node: node.name, http: http('secondaryHttp') };
    return {
      role,
      files,
      command: launch.command,
      env: launch.env,
      prestart,
      ports: ROLE_PORTS[role].map(port),
      probe,
      stopGraceSec: 20,
    };
  },
  clusterProbe: ({ spec, members }) => ({
    protocol: 'hdfs',
    check: 'cluster',
    http: `${members.namenode[0].address}:${spec.ports.namenodeHttp}`,
    expectLiveDataNodes: members.datanode?.length ?? 0,
  }),
};
