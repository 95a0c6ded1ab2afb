import { describe, expect, it } from 'vitest';
import { fixtureInventory } from '../../../test/fixtures/inventory.ts';
import { buildPlan } from '../../plan/build.ts';
import { serviceModules } from '../registry.ts';
import { pipeline, pipelineConfig } from './index.ts';

const ALL = ['zookeeper', 'redis', 'mariadb', 'kafka', 'hdfs', 'hbase', 'proxy', 'pipeline'];
const inv = () => fixtureInventory(ALL);

describe('pipeline module', () => {
  it('renders the consumer config from the inventory with secret placeholders, never values', () => {
    const i = inv();
    const doc = JSON.parse(pipelineConfig({ inventory: i, spec: i.services.pipeline, node: i.nodes[1], role: 'consumer' }));
    expect(doc).toMatchObject({
      role: 'consumer', partitions: 3, flowDetector: 'ewma', clones: { gapMs: 600_000, outOfOrdernessMs: 7 * 86_400_000 }, flowFinalMs: 300_000,
      topic: 'etc_traffic_data', group: 'etc_pipeline', chunk: 2000,
      brokers: ['10.213.7.11:9092', '10.213.7.12:9092', '10.213.7.13:9092'],
      mysql: { host: '10.213.7.11', port: 8066, user: 'etc', password: '{{secret:mysql_app_password:json}}', database: 'etc' },
      redis: { host: '10.213.7.11', port: 6379, password: '{{secret:redis_password:json}}' },
      hbase: { thrift: { host: '10.213.7.11', port: 8085 }, admin: { host: '10.213.7.11', port: 9090 } },
      status: { host: '10.213.7.12', port: 9470 },
    });
    const warner = JSON.parse(pipelineConfig({ inventory: i, spec: i.services.pipeline, node: i.nodes[0], role: 'warner' }));
    expect(warner).toMatchObject({ role: 'warner', status: { host: '10.213.7.11', port: 9471 } });
  });

  it('starts the one flow warner after every consumer', () => {
    const up = buildPlan(inv(), 'up', serviceModules);
    const warner = up.steps.find((s) => s.id === 'pipeline/node1/start:warner')!;
    expect(warner.deps).toEqual(expect.arrayContaining(['pipeline/node1/health:consumer', 'pipeline/node2/health:consumer', 'pipeline/node3/health:consumer']));
    const i = inv();
    i.services.pipeline.roles.warner = ['node1', 'node2'];
    expect(pipeline.validate!(i.services.pipeline, i).map((x) => x.field)).toContain('roles.warner');
  });

  it('starts after Kafka, HBase, the proxy and Redis are healthy; stops before them', () => {
    const up = buildPlan(inv(), 'up', serviceModules);
    const start = up.steps.find((s) => s.id === 'pipeline/node2/start:consumer')!;
    for (const svc of ['kafka', 'hbase', 'proxy', 'redis']) expect(start.deps.some((d) => d.startsWith(`${svc}/`)), svc).toBe(true);
    const install = up.steps.find((s) => s.id === 'pipeline/node2/install')!;
    expect(install.action).toMatchObject({ kind: 'sync', artifact: { service: 'pipeline' }, to: '/lab/node2/artifacts/pipeline-' + pipeline.defaults('lab', []).version });
    const cmd = (up.steps.find((s) => s.id === 'pipeline/node2/start:consumer')!.action as { script: string }).script;
    expect(cmd).toContain('pipeline.mjs');
    expect(cmd).toContain("--config '/lab/node2/pipeline/conf/consumer.json'");
    const down = buildPlan(inv(), 'down', serviceModules);
    const kafkaStop = down.steps.find((s) => s.id === 'kafka/node1/stop:broker')!;
    expect(kafkaStop.deps).toEqual(expect.arrayContaining(['pipeline/node1/stop:consumer', 'pipeline/node2/stop:consumer', 'pipeline/node3/stop:consumer']));
  });

  it('rejects more consumers than partitions, and a pipeline without its stores, naming the field', () => {
    const i = inv();
    i.services.kafka.settings.numPartitions = 2;
    expect(pipeline.validate!(i.services.pipeline, i)).toEqual([expect.objectContaining({ field: 'roles.consumer', message: expect.stringMatching(/3 consumers for 2 partitions/) })]);
    const j = fixtureInventory(['redis', 'pipeline']);
    const issues = pipeline.validate!(j.services.pipeline, j).map((x) => x.message).join('\n');
    expect(issues).toMatch(/services.kafka is missing/);
    expect(issues).toMatch(/services.proxy is missing/);
  });
});
