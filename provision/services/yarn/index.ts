// YARN: a ResourceManager and NodeManagers sized for the lab, launched from the cached Hadoop jars.
import type { ServiceModule } from '../types.ts';
import { render } from '../render.ts';
import { installRuntime, type Layout } from '../../artifacts/index.ts';
import { coreSite } from '../hdfs/index.ts';
import { extraProperties, hadoopCommand, validateProperties } from '../hdfs/hadoop.ts';

const LAYOUT: Layout = { kind: 'hadoop', parts: ['common', 'hdfs', 'yarn'] };
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const MAIN: Record<string, string> = {
  resourcemanager: 'org.apache.hadoop.yarn.server.resourcemanager.ResourceManager',
  nodemanager: 'org.apache.hadoop.yarn.server.nodemanager.NodeManager',
};

const ROLE_PORTS: Record<string, string[]> = {
  resourcemanager: ['scheduler', 'resourceTracker', 'resourcemanager', 'admin', 'resourcemanagerWeb'],
  nodemanager: ['localizer', 'nodemanager', 'nodemanagerWeb'],
};

export const yarn: ServiceModule = {
  name: 'yarn',
  description: 'YARN 3.3 (ResourceManager, NodeManagers) from Maven Central jars; health: N active NodeManagers',
  roles: ['resourcemanager', 'nodemanager'],
  roleTiers: [['resourcemanager'], ['nodemanager']],
  runtime: 'java',
  after: ['hdfs'],
  defaults: (profile, nodes) => ({
    roles: { resourcemanager: nodes.slice(0, 1), nodemanager: nodes.slice(0, 3) },
    version: '3.3.6',
    source: { kind: 'maven' },
    ports: { scheduler: 8030, resourceTracker: 8031, resourcemanager: 8032, admin: 8033, resourcemanagerWeb: 8088, localizer: 8040, nodemanager: 8041, nodemanagerWeb: 8042 },
    heap: profile === 'lab' ? { resourcemanager: '256m', nodemanager: '192m' } : { resourcemanager: '1g', nodemanager: '1g' },
    secrets: {},
    // What each NodeManager offers to containers, not its own heap: small in the lab, where three nodes
    // share two cores, but enough for one Flink JobManager + TaskManager.
    settings: profile === 'lab'
      ? { nmMemoryMb: 2048, nmVcores: 2, minAllocationMb: 128, maxDiskUtilization: 99 }
      : { nmMemoryMb: 8192, nmVcores: 8, minAllocationMb: 512, maxDiskUtilization: 90 },
  }),
  validate(spec, inventory) {
    const issues = [...validateProperties(spec, 'yarnSite'), ...validateProperties(spec, 'coreSite')];
    if ((spec.roles.resourcemanager?.length ?? 0) !== 1)
      issues.push({ field: 'roles.resourcemanager', message: 'exactly one ResourceManager (etclab does not set up RM HA)' });
    if ((spec.roles.nodemanager?.length ?? 0) === 0) issues.push({ field: 'roles.nodemanager', message: 'at least one NodeManager' });
    for (const k of ['nmMemoryMb', 'nmVcores', 'minAllocationMb', 'maxDiskUtilization']) {
      const v = spec.settings[k];
      if (v !== undefined && (!Number.isInteger(v) || (v as number) <= 0)) issues.push({ field: `settings.${k}`, message: 'must be a positive integer' });
    }
    if (!inventory.services.hdfs) issues.push({ field: 'after', message: 'YARN here uses HDFS as its default file system: add services.hdfs' });
    if (spec.source.kind === 'debian') issues.push({ field: 'source.kind', message: 'Debian has no Hadoop package: use maven, tarball or existing' });
    return issues;
  },
  install: (ctx) => installRuntime({ service: 'yarn', version: ctx.spec.version }, ctx.spec.source, ctx.node, LAYOUT),
  daemon(ctx) {
    const { spec, node, home, role, members, inventory } = ctx;
    const conf = `${home}/conf`;
    const p = spec.ports;
    const s = spec.settings;
    const rm = members.resourcemanager[0];
    const hdfsSpec = inventory.services.hdfs;
    const nn = hdfsSpec ? inventory.nodes.find((n) => n.name === hdfsSpec.roles.namenode?.[0]) : undefined;
    if (!nn) throw new Error(`yarn on ${node.name}: services.hdfs.roles.namenode names no node of the inventory`);
    const yarnSite = render('yarn/templates/yarn-site.xml', {
      node: node.name,
      address: node.address,
      rmAddress: rm.address,
      rmPort: p.resourcemanager,
      schedulerPort: p.scheduler,
      trackerPort: p.resourceTracker,
      adminPort: p.admin,
      rmWebPort: p.resourcemanagerWeb,
      nmPort: p.nodemanager,
      localizerPort: p.localizer,
      nmWebPort: p.nodemanagerWeb,
      localDirs: `${home}/data/nm-local`,
      containerLogDirs: `${home}/logs/containers`,
      nmMemoryMb: Number(s.nmMemoryMb ?? 2048),
      nmVcores: Number(s.nmVcores ?? 2),
      minAllocationMb: Number(s.minAllocationMb ?? 128),
      maxDiskUtilization: Number(s.maxDiskUtilization ?? 90),
      extra: extraProperties(s.yarnSite),
    });
    const launch = hadoopCommand({ service: 'yarn', spec, node, home, role, main: MAIN[role], layout: LAYOUT, logPrefix: 'yarn' });
    const web = role === 'resourcemanager' ? `${node.address}:${p.resourcemanagerWeb}` : `${node.address}:${p.nodemanagerWeb}`;
    return {
      role,
      files: [
        { path: `${conf}/core-site.xml`, content: coreSite({ node, namenode: nn, rpcPort: hdfsSpec!.ports.namenodeRpc, home, extra: s.coreSite }), mode: 0o644 },
        { path: `${conf}/yarn-site.xml`, content: yarnSite, mode: 0o644 },
        { path: `${conf}/capacity-scheduler.xml`, content: render('yarn/templates/capacity-scheduler.xml', { maxAmPercent: Number(s.maxAmPercent ?? 0.5) }), mode: 0o644 },
        { path: `${conf}/log4j.properties`, content: render('hdfs/templates/log4j.properties', {}), mode: 0o644 },
      ],
      command: launch.command,
      env: launch.env,
      prestart: `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/logs/containers`)} ${q(`${home}/data/nm-local`)}`,
      ports: ROLE_PORTS[role].map((k) => p[k]),
      probe: { protocol: 'yarn', check: role, node: node.name, http: web },
      stopGraceSec: 20,
    };
  },
  clusterProbe: ({ spec, members }) => ({
    protocol: 'yarn',
    check: 'cluster',
    http: `${members.resourcemanager[0].address}:${spec.ports.resourcemanagerWeb}`,
    expectActiveNodeManagers: members.nodemanager?.length ?? 0,
  }),
};
