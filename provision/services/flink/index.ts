// Flink standalone session cluster: one JobManager, TaskManagers, launched without bin/ scripts.
import type { NodeSpec, ServiceSpec } from '../../inventory/types.ts';
import type { DaemonContext, ServiceModule } from '../types.ts';
import { render } from '../render.ts';
import { installRuntime, runtimeClasspath, runtimeHome, type Layout } from '../../artifacts/index.ts';
import { javaCommand } from '../common.ts';
import { namenodeRpc } from '../hdfs/endpoints.ts';
import { jobManagerConfig, jobManagerJvm, jobManagerMemory, parseMb, taskManagerConfig, taskManagerJvm, taskManagerMemory } from './memory.ts';

import { flinkArtifact, FLINK_DEFAULT_VERSION } from './artifact.ts';
export { artifact, flinkArtifact, FLINK_DEFAULT_VERSION } from './artifact.ts';

const LAYOUT: Layout = { kind: 'kafka' };
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Flink 1.18's default env.java.opts.all; passed in JDK_JAVA_OPTIONS so a JDK 8 launcher never sees them. */
export const FLINK_JAVA17_OPTIONS = [
  ...['java.base/sun.net.util', 'java.rmi/sun.rmi.registry', 'java.security.jgss/sun.security.krb5', ...['api', 'file', 'parser', 'tree', 'util'].map((p) => `jdk.compiler/com.sun.tools.javac.${p}`)].map(
    (p) => `--add-exports=${p}=ALL-UNNAMED`,
  ),
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
];

export function flinkClasspath(spec: ServiceSpec, node: NodeSpec): string[] {
  const a = { service: 'flink', version: spec.version };
  return spec.source.kind === 'maven' ? runtimeClasspath(spec.source, node, a, LAYOUT) : [`${runtimeHome(spec.source, node, a)}/lib/*`];
}

function settingNumber(spec: ServiceSpec, key: string, fallback: number): number {
  const v = spec.settings[key];
  return v === undefined ? fallback : Number(v);
}

export function flinkConf(ctx: Omit<DaemonContext, 'role'>): string {
  const { spec, node, home, members } = ctx;
  const p = spec.ports;
  const tm = taskManagerMemory(parseMb(String(spec.settings.taskManagerProcessSize), 'settings.taskManagerProcessSize'));
  const memory = {
    ...jobManagerConfig(jobManagerMemory(parseMb(spec.heap.jobmanager, 'heap.jobmanager'))),
    ...taskManagerConfig(tm, settingNumber(spec, 'cpuCores', 1)),
  };
  const extra = (spec.settings.flinkConf ?? {}) as Record<string, unknown>;
  const jmHome = members.jobmanager[0] ? `${members.jobmanager[0].baseDir}/flink` : home;
  // Savepoints and checkpoints must be readable by every node: on HDFS when the inventory has it, else under
  // the JobManager's directory (the lab's nodes share one filesystem; a user's need settings.savepointsDir).
  const nn = ctx.inventory.services.hdfs ? namenodeRpc(ctx.inventory) : null;
  const stateRoot = nn ? `hdfs://${nn.host}:${nn.port}/flink` : `file://${jmHome}/data`;
  return render('flink/templates/flink-conf.yaml', {
    node: node.name,
    address: node.address,
    jobmanagerAddress: members.jobmanager[0].address,
    rpcPort: p.rpc,
    blobPort: p.blob,
    restPort: p.rest,
    taskmanagerRpcPort: p.taskmanagerRpc,
    taskmanagerDataPort: p.taskmanagerData,
    // JobManager and TaskManager on one node each take one port of the range.
    queryServicePorts: `${p.queryService}-${p.queryService + 1}`,
    slots: settingNumber(spec, 'slots', 2),
    parallelism: settingNumber(spec, 'parallelism', 1),
    tmpDir: `${home}/tmp`,
    // Jars uploaded through the REST API (flink run, the web UI) survive a restart.
    uploadDir: `${home}/data/uploads`,
    savepointsDir: String(spec.settings.savepointsDir ?? `${stateRoot}/savepoints`),
    checkpointsDir: String(spec.settings.checkpointsDir ?? `${stateRoot}/checkpoints`),
    memory: Object.entries(memory)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    extra: Object.entries(extra)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n'),
  });
}

/**
 * The JobManager's own hosts file (jdk.net.hosts.file replaces name resolution for that JVM only): "localhost"
 * as the node's address, and every node's address resolved as the node resolves it now.
 */
export function jdkHostsScript(ctx: Pick<DaemonContext, 'node' | 'inventory'>, file: string): string {
  const names = [...new Set(ctx.inventory.nodes.flatMap((n) => [n.address, n.name]))];
  return `ip_of() { case "$1" in *[!0-9.]*) getent ahostsv4 "$1" | awk 'NR==1{print $1}';; *) echo "$1";; esac; }
self=$(ip_of ${q(ctx.node.address)})
{ echo "$self localhost"; for h in ${names.map(q).join(' ')}; do a=$(ip_of "$h"); if [ -n "$a" ]; then echo "$a $h"; fi; done; } > ${q(file)}.tmp && mv ${q(file)}.tmp ${q(file)}`;
}

const MAIN: Record<string, string> = {
  jobmanager: 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
  taskmanager: 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
};

export function flinkCommand(ctx: DaemonContext): { command: string; env: Record<string, string> } {
  const { spec, node, home, role } = ctx;
  const conf = `${home}/conf`;
  const jvm =
    role === 'jobmanager'
      ? jobManagerJvm(jobManagerMemory(parseMb(spec.heap.jobmanager, 'heap.jobmanager')))
      : taskManagerJvm(taskManagerMemory(parseMb(String(spec.settings.taskManagerProcessSize), 'settings.taskManagerProcessSize')));
  const command = javaCommand({
    javaHome: node.javaHome,
    heap: jvm.heap,
    classpath: [conf, ...flinkClasspath(spec, node)].join(':'),
    main: MAIN[role],
    args: role === 'jobmanager' ? ['--configDir', conf, '--executionMode', 'cluster'] : ['--configDir', conf],
    props: {
      'log.file': `${home}/logs/${role}.log`,
      'log4j.configurationFile': `file:${conf}/log4j.properties`,
      // Flink 1.18's embedded job client dials the blob server at "localhost" while it listens on the node's
      // address (FLINK-38109, fixed upstream after 1.18 and in no 1.20.x release): this JVM alone reads
      // "localhost" as the node's address, so submissions work with every listener on that address.
      ...(role === 'jobmanager' ? { 'jdk.net.hosts.file': `${conf}/jdk-hosts` } : {}),
    },
    flags: jvm.flags,
    tmpDir: `${home}/tmp`,
  });
  return { command, env: { JDK_JAVA_OPTIONS: FLINK_JAVA17_OPTIONS.join(' '), FLINK_CONF_DIR: conf, FLINK_PLUGINS_DIR: `${home}/plugins` } };
}

const ROLE_PORTS: Record<string, string[]> = {
  jobmanager: ['rest', 'rpc', 'blob'],
  taskmanager: ['taskmanagerRpc', 'taskmanagerData'],
};
const PORT_KEYS = ['rest', 'rpc', 'blob', 'taskmanagerRpc', 'taskmanagerData', 'queryService'];

export const flink: ServiceModule = {
  name: 'flink',
  description: 'Flink 1.18 standalone session cluster (JobManager + TaskManagers, REST 8081); health: every TaskManager and slot registered, and a canary job runs to FINISHED',
  roles: ['jobmanager', 'taskmanager'],
  roleTiers: [['jobmanager'], ['taskmanager']],
  // Savepoints and checkpoints go to HDFS when the inventory has it.
  runtime: 'java',
  after: ['hdfs'],
  defaults: (profile, nodes) => ({
    roles: { jobmanager: nodes.slice(0, 1), taskmanager: nodes.slice(0, 3) },
    version: FLINK_DEFAULT_VERSION,
    source: { kind: 'maven' },
    ports: { rest: 8081, rpc: 6123, blob: 6124, taskmanagerRpc: 6122, taskmanagerData: 6121, queryService: 6125 },
    heap: { jobmanager: profile === 'lab' ? '128m' : '1024m' },
    secrets: {},
    settings: { taskManagerProcessSize: profile === 'lab' ? '512m' : '1728m', slots: 2, cpuCores: profile === 'lab' ? 1 : 2 },
  }),
  validate(spec) {
    const issues: Array<{ field: string; message: string }> = [];
    if ((spec.roles.jobmanager?.length ?? 0) !== 1) issues.push({ field: 'roles.jobmanager', message: 'exactly one JobManager (etclab does not set up JobManager HA)' });
    if ((spec.roles.taskmanager?.length ?? 0) < 1) issues.push({ field: 'roles.taskmanager', message: 'at least one TaskManager' });
    for (const k of PORT_KEYS) if (!Number.isInteger(spec.ports[k])) issues.push({ field: `ports.${k}`, message: 'must be a port number' });
    try {
      taskManagerMemory(parseMb(String(spec.settings.taskManagerProcessSize), 'settings.taskManagerProcessSize'));
    } catch (e) {
      issues.push({ field: 'settings.taskManagerProcessSize', message: (e as Error).message.replace(/^settings\.taskManagerProcessSize: /, '') });
    }
    try {
      parseMb(spec.heap.jobmanager, 'heap.jobmanager');
    } catch (e) {
      issues.push({ field: 'heap.jobmanager', message: (e as Error).message.replace(/^heap\.jobmanager: /, '') });
    }
    for (const k of ['slots', 'cpuCores', 'parallelism']) {
      const v = spec.settings[k];
      if (v !== undefined && !(typeof v === 'number' && v > 0 && (k === 'cpuCores' || Number.isInteger(v))))
        issues.push({ field: `settings.${k}`, message: `must be a positive ${k === 'cpuCores' ? 'number' : 'integer'}` });
    }
    const extra = spec.settings.flinkConf;
    if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra)))
      issues.push({ field: 'settings.flinkConf', message: 'must be a map of Flink option → value' });
    if (spec.source.kind === 'debian') issues.push({ field: 'source.kind', message: 'Debian has no Flink package: use maven, tarball or existing' });
    if (!/^1\.(1[89]|[2-9]\d)\./.test(spec.version) && spec.source.kind === 'maven')
      issues.push({ field: 'version', message: `the maven runtime needs Flink >= 1.18 (Java 17); got ${spec.version}` });
    return issues;
  },
  install: (ctx) => installRuntime({ service: 'flink', version: ctx.spec.version }, ctx.spec.source, ctx.node, LAYOUT),
  daemon(ctx) {
    const { spec, node, home, role } = ctx;
    const conf = `${home}/conf`;
    const launch = flinkCommand(ctx);
    return {
      role,
      files: [
        { path: `${conf}/flink-conf.yaml`, content: flinkConf(ctx), mode: 0o644 },
        { path: `${conf}/log4j.properties`, content: render('flink/templates/log4j.properties', {}), mode: 0o644 },
      ],
      command: launch.command,
      env: launch.env,
      // The RPC system is unpacked from a jar into io.tmp.dirs at every start.
      prestart: `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/logs`)} ${q(`${home}/plugins`)} ${q(`${home}/data/uploads`)} ${q(`${home}/data/savepoints`)} ${q(`${home}/data/checkpoints`)}${role === 'jobmanager' ? `\n${jdkHostsScript(ctx, `${conf}/jdk-hosts`)}` : ''}`,
      ports: ROLE_PORTS[role].map((k) => spec.ports[k]),
      probe:
        role === 'jobmanager'
          ? { protocol: 'flink', check: 'jobmanager', node: node.name, http: `${node.address}:${spec.ports.rest}` }
          : { protocol: 'flink', check: 'taskmanager', node: node.name, http: `${ctx.members.jobmanager[0].address}:${spec.ports.rest}`, address: node.address },
      stopGraceSec: 20,
    };
  },
  clusterProbe: ({ spec, members }) => ({
    protocol: 'flink',
    check: 'cluster',
    http: `${members.jobmanager[0].address}:${spec.ports.rest}`,
    expectTaskManagers: members.taskmanager?.length ?? 0,
    expectSlots: (members.taskmanager?.length ?? 0) * settingNumber(spec, 'slots', 2),
    // The work canary needs the Flink jars on the controller to compile against: the Maven runtime has them.
    ...(spec.source.kind === 'maven' ? { canaryVersion: spec.version } : {}),
  }),
};
