import { describe, expect, it } from 'vitest';
import { buildResetPlan, RESET_STORES, ResetPlanError } from './plan.ts';
import { topoOrder } from '../plan/dag.ts';
import { CLUSTER } from '../plan/types.ts';
import { taskByName } from '../tasks/registry.ts';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';

const ALL = ['zookeeper', 'redis', 'mariadb', 'kafka', 'hdfs', 'hbase', 'proxy'];
const inv = () => fixtureInventory(ALL);
const ids = (p: { steps: Array<{ id: string }> }) => p.steps.map((s) => s.id);
const params = (p: ReturnType<typeof buildResetPlan>, id: string) => {
  const a = p.steps.find((s) => s.id === id)!.action;
  if (a.kind !== 'task') throw new Error(`${id} is not a task step`);
  return a;
};

describe('reset plan', () => {
  const READY = ['kafka/*/reset:ready', 'hbase/*/reset:ready', 'proxy/*/reset:ready', 'redis/*/reset:ready'];

  it('checks every store first, then empties them in parallel (groups before topic)', () => {
    const plan = buildResetPlan(inv());
    expect(plan.operation).toBe('reset');
    expect(ids(plan)).toEqual([...READY, 'kafka/*/reset:groups', 'kafka/*/reset:topic', 'hbase/*/reset', 'proxy/*/reset', 'redis/*/reset']);
    expect(plan.steps.map((s) => s.deps)).toEqual([[], [], [], [], READY, ['kafka/*/reset:groups'], READY, READY, READY]);
    expect(ids({ steps: topoOrder(plan.steps) })).toEqual(ids(plan));
    expect(plan.steps.every((s) => s.node === CLUSTER && s.phase === 'reset' && s.action.kind === 'task')).toBe(true);
    // A check reads what the store's first step would use: same params, the ready: form of its task.
    expect(params(plan, 'kafka/*/reset:ready')).toEqual({ ...params(plan, 'kafka/*/reset:groups'), task: 'ready:kafka-delete-groups' });
  });

  it('honours a topic and group the inventory renames (the ones the pipeline reads)', () => {
    const i = fixtureInventory([...ALL, 'pipeline']);
    i.services.pipeline!.settings.topic = 'etc_lab_b';
    i.services.pipeline!.settings.group = 'etc_group_b';
    const plan = buildResetPlan(i);
    expect(params(plan, 'kafka/*/reset:topic').params).toMatchObject({ topic: 'etc_lab_b' });
    expect(params(plan, 'kafka/*/reset:groups').params).toMatchObject({ topic: 'etc_lab_b', groups: ['etc_group_b'] });
    expect(plan.steps.find((s) => s.id === 'kafka/*/reset:topic')!.title).toMatch(/recreate topic etc_lab_b /);
  });

  it('with Flink: running jobs are cancelled before any store is emptied and submitted again last', () => {
    const plan = buildResetPlan(fixtureInventory([...ALL, 'flink', 'pipeline']));
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    const before = (a: string, b: string): boolean => {
      const seen = new Set<string>();
      const walk = (id: string): boolean => id === a || byId.get(id)!.deps.some((d) => !seen.has(d) && (seen.add(d), walk(d)));
      return walk(b);
    };
    expect(byId.get('flink/*/reset:ready')!.action).toMatchObject({ task: 'ready:flink-cancel-jobs' });
    for (const store of ['kafka/*/reset:groups', 'hbase/*/reset', 'proxy/*/reset', 'redis/*/reset']) expect(before('flink/*/reset:cancel', store), store).toBe(true);
    const last = plan.steps.at(-1)!;
    expect(last.id).toBe('flink/*/reset:resubmit');
    for (const s of plan.steps.filter((x) => x.id !== last.id && !x.id.startsWith('flink/'))) if (!s.id.endsWith(':ready')) expect(before(s.id, last.id), s.id).toBe(true);
    expect(last.action).toMatchObject({ task: 'flink-resubmit-jobs', params: { rest: '10.213.7.11:8081' } });
  });

  it('names only registered tasks', () => {
    for (const s of buildResetPlan(inv()).steps) expect(() => taskByName(params({ steps: [s] } as never, s.id).task)).not.toThrow();
  });

  it('derives the params from the inventory', () => {
    const plan = buildResetPlan(inv());
    expect(params(plan, 'kafka/*/reset:topic').params).toEqual({
      brokers: ['10.213.7.11:9092', '10.213.7.12:9092', '10.213.7.13:9092'], topic: 'etc_traffic_data', partitions: 3, replication: 3,
    });
    expect(params(plan, 'kafka/*/reset:groups').params).toMatchObject({ topic: 'etc_traffic_data', allGroupsOnTopic: true });
    expect(params(plan, 'hbase/*/reset').params).toEqual({
      thrift: { host: '10.213.7.11', port: 8085 }, admin: { host: '10.213.7.11', port: 9090 }, tables: ['etc_traffic', 'etc_traffic_by_checkpoint', 'etc_traffic_data'],
    });
    const mysql = params(plan, 'proxy/*/reset').params;
    expect(mysql).toMatchObject({ proxy: { host: '10.213.7.11', port: 8066 }, user: 'etc', database: 'etc', passwordSecret: 'mysql_app_password' });
    expect(mysql.tables).toEqual(['etc_passage', 'etc_flow_minute', 'etc_clone_alert', 'etc_flow_warning', 'etc_flow_progress', 'etc_offsets']);
    expect((mysql.shards as unknown[]).length).toBe(3);
    expect(params(plan, 'redis/*/reset').params).toEqual({ host: '10.213.7.11', port: 6379, passwordSecret: 'redis_password', prefix: 'etc:' });
  });

  it('follows the inventory: brokers, partitions and ports', () => {
    const i = inv();
    i.services.kafka.roles.broker = ['node2'];
    i.services.kafka.settings.numPartitions = 6;
    i.services.redis.ports.redis = 6380;
    const plan = buildResetPlan(i);
    expect(params(plan, 'kafka/*/reset:topic').params).toMatchObject({ brokers: ['10.213.7.12:9092'], partitions: 6, replication: 1 });
    expect(params(plan, 'redis/*/reset').params).toMatchObject({ port: 6380 });
  });

  it('--only keeps those stores, each emptied after both checks', () => {
    const plan = buildResetPlan(inv(), { only: ['redis', 'hbase'] });
    expect(ids(plan)).toEqual(['hbase/*/reset:ready', 'redis/*/reset:ready', 'hbase/*/reset', 'redis/*/reset']);
    expect(plan.steps[3].deps).toEqual(['hbase/*/reset:ready', 'redis/*/reset:ready']);
    expect(ids(buildResetPlan(inv(), { only: ['mysql'] }))).toEqual(['proxy/*/reset:ready', 'proxy/*/reset']);
  });

  it('--continue-on-error: each store waits only for its own check', () => {
    const plan = buildResetPlan(inv(), { continueOnError: true });
    expect(plan.steps).toHaveLength(9);
    const deps = Object.fromEntries(plan.steps.map((s) => [s.id, s.deps]));
    expect(deps['hbase/*/reset']).toEqual(['hbase/*/reset:ready']);
    expect(deps['kafka/*/reset:groups']).toEqual(['kafka/*/reset:ready']);
    expect(deps['kafka/*/reset:topic']).toEqual(['kafka/*/reset:groups']);
  });

  it('rejects unknown --only names, naming them', () => {
    expect(() => buildResetPlan(inv(), { only: ['kafka', 'mongo', 'es'] })).toThrow(ResetPlanError);
    expect(() => buildResetPlan(inv(), { only: ['kafka', 'mongo', 'es'] })).toThrow(/"mongo", "es".*known: kafka, hbase, mysql, redis/);
  });

  it('--only a store the inventory lacks says which service is missing; without --only it is left out', () => {
    const small = fixtureInventory(['zookeeper', 'redis', 'mariadb']);
    expect(() => buildResetPlan(small, { only: ['hbase'] })).toThrow(/no hbase service/);
    expect(() => buildResetPlan(small, { only: ['mysql'] })).toThrow(/no proxy service/);
    expect(ids(buildResetPlan(small))).toEqual(['redis/*/reset:ready', 'redis/*/reset']);
  });

  it('carries secret names, never secret values', () => {
    const i = inv();
    process.env.X_REDIS = 'redis-secret-value-1';
    process.env.X_MYSQL = 'mysql-secret-value-2';
    const text = JSON.stringify(buildResetPlan(i));
    expect(text).not.toContain('redis-secret-value-1');
    expect(text).not.toContain('mysql-secret-value-2');
    expect(text).toContain('"passwordSecret":"redis_password"');
    expect(text).toContain('"passwordSecret":"mysql_app_password"');
    expect(text).not.toMatch(/"password"\s*:/);
    delete process.env.X_REDIS;
    delete process.env.X_MYSQL;
  });

  it('refuses an HBase reset without the thrift2 role (thrift1 cannot truncate keeping regions)', () => {
    const i = inv();
    delete i.services.hbase.roles.thrift2;
    expect(() => buildResetPlan(i, { only: ['hbase'] })).toThrow(/thrift2/);
  });

  it('lists the stores --only accepts', () => {
    expect([...RESET_STORES]).toEqual(['kafka', 'hbase', 'mysql', 'redis', 'pipeline']);
  });

  describe('with the pipeline in the inventory', () => {
    const withPipeline = () => fixtureInventory([...ALL, 'redis', 'pipeline']);
    const byPhase = (p: ReturnType<typeof buildResetPlan>, phase: string) => p.steps.filter((s) => s.phase === phase);

    it('stops every consumer after the checks and before any store is emptied, and starts them after every store', () => {
      const plan = buildResetPlan(withPipeline());
      const stop = byPhase(plan, 'stop');
      const stops = stop.map((s) => s.id);
      expect(stops).toEqual(['pipeline/node1/stop:warner', 'pipeline/node1/stop:consumer', 'pipeline/node2/stop:consumer', 'pipeline/node3/stop:consumer']);
      for (const s of stop) expect(s.deps).toEqual(expect.arrayContaining(READY));
      for (const id of ['kafka/*/reset:groups', 'hbase/*/reset', 'proxy/*/reset', 'redis/*/reset'])
        expect(plan.steps.find((s) => s.id === id)!.deps).toEqual([...stops, ...READY]);
      const starts = byPhase(plan, 'start');
      expect(starts).toHaveLength(4);
      for (const s of starts) expect(s.deps).toEqual(expect.arrayContaining(['kafka/*/reset:topic', 'hbase/*/reset', 'proxy/*/reset', 'redis/*/reset']));
      expect(byPhase(plan, 'health')).toHaveLength(5); // 4 daemons and the group
      // The topological order puts every stop before every reset and every reset before any start.
      const order = topoOrder(plan.steps).map((s) => (s.role === 'ready' ? 'ready' : s.phase));
      expect(order.lastIndexOf('ready')).toBeLessThan(order.indexOf('stop'));
      expect(order.lastIndexOf('stop')).toBeLessThan(order.indexOf('reset'));
      expect(order.lastIndexOf('reset')).toBeLessThan(order.indexOf('start'));
    });

    it('deletes the pipeline group by name (settings.group)', () => {
      const i = withPipeline();
      i.services.pipeline.settings.group = 'my_group';
      expect(params(buildResetPlan(i), 'kafka/*/reset:groups').params).toMatchObject({ groups: ['my_group'] });
    });

    it('--only pipeline restarts the consumers and empties nothing', () => {
      const plan = buildResetPlan(withPipeline(), { only: ['pipeline'] });
      expect(byPhase(plan, 'reset')).toHaveLength(0);
      expect(byPhase(plan, 'stop')).toHaveLength(4);
      for (const s of byPhase(plan, 'start')) expect(s.deps).toEqual(expect.arrayContaining(['pipeline/node1/stop:consumer']));
    });
  });
});
