// The stream pipeline (pipeline/service) as a supervised daemon per node: one consumer of the topic's
// group per node, started after the stores it writes and stopped before them. Its runtime is one bundle
// built from this checkout (provision/artifacts/bundle.ts); its store addresses and secrets are in a 0600
// JSON file, never in argv.
import { nodeArtifactDir } from '../../artifacts/classpath.ts';
import { syncArtifact } from '../../artifacts/install.ts';
import { PIPELINE_BUNDLE, pipelineVersion } from '../../artifacts/bundle.ts';
import type { Inventory, NodeSpec } from '../../inventory/types.ts';
import { q } from '../../plan/daemon-scripts.ts';
import type { DaemonContext, ServiceModule } from '../types.ts';
import { nodeBinFor, secretRef } from '../common.ts';
import { DEFAULT_GROUP, DEFAULT_TOPIC } from '../../../pipeline/contract/index.ts';
import { kafkaBrokers } from '../kafka/endpoints.ts';
import { hbaseAdmin, hbaseThrift } from '../hbase/endpoints.ts';
import { proxyApp } from '../proxy/endpoints.ts';
import { redisServer } from '../redis/endpoints.ts';
import { pipelineGroup, pipelineTopic } from './endpoints.ts';



/** The JSON the consumer reads (pipeline/service/config.ts serviceConfigFile); secrets as placeholders. */
export function pipelineConfig(ctx: Pick<DaemonContext, 'inventory' | 'spec' | 'node' | 'role'>): string {
  const { inventory: inv, spec, node, role } = ctx;
  const app = proxyApp(inv);
  const redis = redisServer(inv);
  const doc = {
    role,
    partitions: Number(inv.services.kafka!.settings.numPartitions ?? 3),
    flowDetector: String(spec.settings.flowDetector ?? 'ewma'),
    topic: pipelineTopic(inv),
    group: pipelineGroup(inv),
    chunk: Number(spec.settings.chunk ?? 2000),
    clones: {
      gapMs: Number(spec.settings.cloneGapMin ?? 10) * 60_000,
      outOfOrdernessMs: Number(spec.settings.outOfOrdernessMin ?? 7 * 1440) * 60_000,
    },
    flowFinalMs: Number(spec.settings.flowFinalMin ?? 5) * 60_000,
    brokers: kafkaBrokers(inv),
    mysql: { host: app.host, port: app.port, user: app.user, password: secretRef(app.passwordSecret, 'json'), database: app.database },
    redis: { host: redis.host, port: redis.port, ...(redis.passwordSecret ? { password: secretRef(redis.passwordSecret, 'json') } : {}) },
    hbase: { thrift: hbaseThrift(inv), admin: hbaseAdmin(inv) },
    status: { host: node.address, port: role === 'warner' ? spec.ports.warnerStatus : spec.ports.status },
    // Not read by the consumer: a new build changes this file, so `up` restarts the consumer on it.
    build: spec.version,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export const pipeline: ServiceModule = {
  name: 'pipeline',
  description: 'ETC stream consumers (TypeScript bundle on Node.js): Kafka → HBase, MySQL via the proxy, Redis, clone alerts; a flow warner; health: status endpoints',
  // The warner judges final minutes from what the consumers stored, so it starts after them.
  roles: ['consumer', 'warner'],
  roleTiers: [['consumer'], ['warner']],
  runtime: 'nodejs',
  after: ['kafka', 'hbase', 'proxy', 'redis'],
  defaults: (profile, nodes) => ({
    // One consumer per node, at most one per partition (the topic's default 3): more would idle.
    roles: { consumer: nodes.slice(0, 3), warner: nodes.slice(0, 1) },
    version: pipelineVersion(),
    source: { kind: 'bundle' },
    ports: { status: 9470, warnerStatus: 9471 },
    heap: {},
    // The user's tables are made of time-sorted runs that each span the whole table (a day file's runs span
    // the day, a week's table's runs the week): replayed in file order, a passage can arrive days after a
    // later one. The clone detector's bound covers a week of such lateness (memory: a week of passages,
    // ~120 B each: ~10 MB for the lab's data); flowFinalMin is how long the flow warner waits before it
    // first judges a minute (late passages make it judge the minute again).
    settings: {
      topic: DEFAULT_TOPIC, group: DEFAULT_GROUP, chunk: 2000, maxOldSpaceMb: profile === 'lab' ? 256 : 1024,
      cloneGapMin: 10, outOfOrdernessMin: 7 * 1440, flowFinalMin: 5, flowDetector: 'ewma',
    },
    secrets: {},
  }),
  validate(spec, inv) {
    const issues = [];
    for (const svc of ['kafka', 'hbase', 'proxy', 'redis'])
      if (!inv.services[svc]) issues.push({ field: 'roles.consumer', message: `the pipeline writes through ${svc}, but services.${svc} is missing` });
    if (inv.services.hbase && !inv.services.hbase.roles.thrift2?.length)
      issues.push({ field: 'roles.consumer', message: 'the pipeline creates its pre-split HBase tables through thrift2: add services.hbase.roles.thrift2' });
    const partitions = Number(inv.services.kafka?.settings.numPartitions ?? 3);
    const consumers = spec.roles.consumer?.length ?? 0;
    if (consumers > partitions)
      issues.push({ field: 'roles.consumer', message: `${consumers} consumers for ${partitions} partitions: ${consumers - partitions} would idle; list at most ${partitions} nodes or raise services.kafka.settings.numPartitions` });
    if ((spec.roles.warner?.length ?? 0) > 1) issues.push({ field: 'roles.warner', message: 'one flow warner at most: two would judge the same minutes' });
    const fd = spec.settings.flowDetector;
    if (fd !== undefined && fd !== 'ewma' && fd !== 'seasonal') issues.push({ field: 'settings.flowDetector', message: `must be ewma or seasonal, got ${JSON.stringify(fd)}` });
    const positive: Record<string, string> = { chunk: 'records per transaction', cloneGapMin: 'minutes between two checkpoints below which a plate is cloned', outOfOrdernessMin: 'minutes a passage may arrive after a later one', flowFinalMin: 'minutes of event time before the flow warner first judges a minute' };
    for (const [k, what] of Object.entries(positive)) {
      const v = spec.settings[k];
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) issues.push({ field: `settings.${k}`, message: `must be a positive integer (${what}), got ${JSON.stringify(v)}` });
    }
    return issues;
  },
  clusterProbe: ({ inventory, spec, members }) => ({
    protocol: 'pipeline-group',
    consumers: (members.consumer ?? []).map((n) => ({ node: n.name, host: n.address, port: spec.ports.status })),
    partitions: Number(inventory.services.kafka?.settings.numPartitions ?? 3),
  }),
  install: ({ node, spec }) => syncArtifact({ service: 'pipeline', version: spec.version }, node),
  daemon(ctx) {
    const { node, home, spec, role } = ctx;
    const conf = `${home}/conf/${role}.json`;
    const bundle = `${nodeArtifactDir(node, { service: 'pipeline', version: spec.version })}/${PIPELINE_BUNDLE}`;
    const nodeBin = nodeBinFor(spec, node);
    const port = role === 'warner' ? spec.ports.warnerStatus : spec.ports.status;
    return {
      role,
      files: [{ path: conf, mode: 0o600, content: pipelineConfig(ctx) }],
      command: `${q(nodeBin)} --no-deprecation --max-old-space-size=${Number(spec.settings.maxOldSpaceMb ?? 256)} ${q(bundle)} --config ${q(conf)}`,
      // Checked on the node before the first start: a missing or old Node.js fails here, saying what to do.
      prestart: `v=$(${q(nodeBin)} -p 'process.versions.node.split(".")[0]' 2>/dev/null) || { echo "Node.js not found as ${nodeBin} on $(hostname): install Node.js 20+ or set services.pipeline.settings.node" >&2; exit 1; }
[ "$v" -ge 20 ] || { echo "Node.js $v on $(hostname) is too old: the pipeline needs 20+ (services.pipeline.settings.node)" >&2; exit 1; }`,
      ports: [port],
      probe: { protocol: 'pipeline', node: node.name, host: node.address, port },
      // Finishing the chunk in flight and leaving the group takes a few seconds.
      stopGraceSec: 30,
    };
  },
};
