// `etclab reset` as a plan: one controller-side task step per store, params derived from the inventory.
// Pure data like every plan: addresses, ports, table names and secret NAMES, never a secret value.
import type { Inventory, ServiceSpec } from '../inventory/types.ts';
import { CLUSTER, type Plan, type Step } from '../plan/types.ts';
import { shardsOf } from '../services/proxy/index.ts';
import { TABLES } from '../../pipeline/contract/mysql-schema.ts';
import { CHECKPOINT_INDEX_TABLE, FLINK_JOB_TOPICS, MAIN_TABLE, REDIS_PROJECT, USER_TABLE } from '../../pipeline/contract/index.ts';
import { buildPlan } from '../plan/build.ts';
import { serviceModules } from '../services/registry.ts';
import { pipelineGroup, pipelineTopic } from '../services/pipeline/endpoints.ts';
import { kafkaBrokers } from '../services/kafka/endpoints.ts';
import { hbaseAdmin, hbaseThrift } from '../services/hbase/endpoints.ts';
import { proxyApp } from '../services/proxy/endpoints.ts';
import { redisServer } from '../services/redis/endpoints.ts';
import { flinkRest } from '../services/flink/endpoints.ts';
import { readyTaskName } from '../tasks/types.ts';

/**
 * What `--only` accepts, in the order a reset runs them. `pipeline` is not a store: it stops the pipeline's
 * consumers first and starts them again last, which also drops their in-memory state (clone detector).
 */
export const RESET_STORES = ['kafka', 'hbase', 'mysql', 'redis', 'pipeline'] as const;
export type ResetStore = (typeof RESET_STORES)[number];

/** The inventory services a store's reset speaks to (mysql goes through the proxy to the MariaDB shards). */
const NEEDS: Record<ResetStore, string[]> = { kafka: ['kafka'], hbase: ['hbase'], mysql: ['proxy', 'mariadb'], redis: ['redis'], pipeline: ['pipeline'] };

/**
 * Consumer groups of the pipeline, deleted by name even when they have no offsets on the topic. Every
 * other group with committed offsets only on the topic goes too (kafka-delete-groups): recreating the topic
 * makes those offsets meaningless anyway.
 */
export function pipelineGroups(inv: Inventory): string[] {
  return inv.services.pipeline ? [pipelineGroup(inv)] : [];
}

/**
 * HBase tables the pipeline writes: the two of the row-key design (rowkey.ts) and the user's existing
 * table, named like the topic (etc_traffic_data, family info). Absent ones are skipped.
 */
export const HBASE_TABLES = [MAIN_TABLE, CHECKPOINT_INDEX_TABLE, USER_TABLE];

export interface ResetOptions {
  /** Only these stores (RESET_STORES names). Default: every store whose services are in the inventory. */
  only?: string[];
  /** Each store waits only for its own check, so one store down does not skip the others. */
  continueOnError?: boolean;
}

export class ResetPlanError extends Error {}

type Draft = Omit<Step, 'deps' | 'node' | 'phase'>;

function kafkaSteps(inv: Inventory): Draft[] {
  const spec = inv.services.kafka;
  const brokers = kafkaBrokers(inv);
  // The topic the pipeline reads: a renamed one (services.pipeline.settings.topic) is the one to recreate.
  const topic = pipelineTopic(inv);
  // What the brokers give an auto-created topic (kafka module: num.partitions and default replication),
  // so a recreated topic is the one the replay would have made.
  const partitions = Number(spec.settings.numPartitions ?? 3);
  const replication = Math.max(1, Math.min(3, brokers.length));
  return [
    {
      id: 'kafka/*/reset:groups', service: 'kafka', role: 'groups',
      title: `delete the consumer groups of topic ${topic}`,
      // The pipeline's consumers were stopped just before: one that died without leaving the group stays a
      // member until its session (30 s) times out.
      action: { kind: 'task', task: 'kafka-delete-groups', params: { brokers, topic, groups: pipelineGroups(inv), allGroupsOnTopic: true, membersLeaveSec: 45 } },
      timeoutSec: 60, estimateSec: 1,
    },
    {
      id: 'kafka/*/reset:topic', service: 'kafka', role: 'topic',
      title: `delete and recreate topic ${topic} (${partitions} partitions × ${replication} replicas)`,
      action: { kind: 'task', task: 'kafka-recreate-topic', params: { brokers, topic, partitions, replication } },
      timeoutSec: 180, estimateSec: 5,
    },
    // The ETC job template's results are emptied like the pipeline's stores (its job is cancelled first).
    ...(inv.services.flink ? FLINK_JOB_TOPICS : []).map((t): Draft => ({
      id: `kafka/*/reset:topic:${t}`, service: 'kafka', role: 'topic',
      title: `delete and recreate the Flink job's topic ${t}, if present`,
      action: { kind: 'task', task: 'kafka-recreate-topic', params: { brokers, topic: t, partitions, replication, onlyIfPresent: true } },
      timeoutSec: 180, estimateSec: 5,
    })),
  ];
}

function hbaseSteps(inv: Inventory): Draft[] {
  const spec = inv.services.hbase;
  // Thrift1 cannot truncate; thrift2's truncateTable(preserveSplits) keeps the pre-split regions.
  if (!spec.roles.thrift2?.length) throw new ResetPlanError('hbase reset needs the thrift2 role (services.hbase.roles.thrift2): thrift1 cannot truncate a table keeping its regions');
  const tables = HBASE_TABLES;
  return [
    {
      id: 'hbase/*/reset', service: 'hbase',
      title: `truncate HBase tables ${tables.join(', ')} keeping their regions`,
      action: {
        kind: 'task', task: 'hbase-truncate',
        params: { thrift: hbaseThrift(inv), admin: hbaseAdmin(inv), tables },
      },
      timeoutSec: 300, estimateSec: 10,
    },
  ];
}

function mysqlSteps(inv: Inventory): Draft[] {
  const { shards } = shardsOf(inv);
  const app = proxyApp(inv);
  const tables = TABLES.map((t) => t.name); // the pipeline's rows and its stored offsets (etc_offsets)
  return [
    {
      id: 'proxy/*/reset', service: 'proxy',
      title: `truncate MySQL tables ${tables.join(', ')} on ${shards.length} shards (through the proxy)`,
      action: {
        kind: 'task', task: 'mysql-truncate',
        params: {
          proxy: { host: app.host, port: app.port },
          shards,
          user: app.user,
          // The proxy's logical database is also the database on every shard (proxy/configs.ts).
          database: app.database,
          passwordSecret: app.passwordSecret,
          tables,
        },
      },
      timeoutSec: 120, estimateSec: 2,
    },
  ];
}

function redisSteps(inv: Inventory): Draft[] {
  const prefix = `${REDIS_PROJECT}:`;
  const { host, port, passwordSecret } = redisServer(inv);
  return [
    {
      id: 'redis/*/reset', service: 'redis',
      title: `delete Redis keys under ${prefix}`,
      action: {
        kind: 'task', task: 'redis-unlink-prefix',
        params: { host, port, passwordSecret, prefix },
      },
      timeoutSec: 120, estimateSec: 1,
    },
  ];
}

function flinkSteps(inv: Inventory): { cancel: Draft; resubmit: Draft } {
  const { host, port } = flinkRest(inv);
  const params = { rest: `${host}:${port}`, stateDir: inv.stateDir };
  return {
    cancel: { id: 'flink/*/reset:cancel', service: 'flink', role: 'cancel', title: 'cancel the running Flink jobs', action: { kind: 'task', task: 'flink-cancel-jobs', params }, timeoutSec: 120, estimateSec: 2 },
    resubmit: { id: 'flink/*/reset:resubmit', service: 'flink', role: 'resubmit', title: 'submit the cancelled Flink jobs again', action: { kind: 'task', task: 'flink-resubmit-jobs', params }, timeoutSec: 300, estimateSec: 5 },
  };
}

const STEPS: Record<ResetStore, (inv: Inventory) => Draft[]> = { kafka: kafkaSteps, hbase: hbaseSteps, mysql: mysqlSteps, redis: redisSteps, pipeline: () => [] };

/** Stores of --only, checked; without it every store whose services the inventory has. */
export function resetStores(inv: Inventory, only?: string[]): ResetStore[] {
  const present = (s: ResetStore) => NEEDS[s].every((svc) => inv.services[svc] as ServiceSpec | undefined);
  if (!only) return RESET_STORES.filter(present);
  const unknown = only.filter((s) => !(RESET_STORES as readonly string[]).includes(s));
  if (unknown.length) throw new ResetPlanError(`unknown store${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in --only; known: ${RESET_STORES.join(', ')}`);
  const missing = only.filter((s) => !present(s as ResetStore));
  if (missing.length)
    throw new ResetPlanError(`cannot reset ${missing.join(', ')}: the inventory has no ${missing.flatMap((s) => NEEDS[s as ResetStore].filter((svc) => !inv.services[svc])).join(', ')} service`);
  return RESET_STORES.filter((s) => only.includes(s));
}

// A readiness check of a store (id <service>/*/reset:ready), from the first step of its reset.
function readyStep(first: Draft, deps: string[]): Step {
  if (first.action.kind !== 'task') throw new Error(`reset step ${first.id} is not a task`);
  return {
    id: `${first.service}/*/reset:ready`, service: first.service, role: 'ready', node: CLUSTER, phase: 'reset',
    title: `check that ${first.service} answers, before anything is stopped or emptied`,
    action: { kind: 'task', task: readyTaskName(first.action.task), params: first.action.params },
    deps, timeoutSec: 60, estimateSec: 1,
  };
}

export function buildResetPlan(inv: Inventory, opts: ResetOptions = {}): Plan {
  const stores = resetStores(inv, opts.only).map((s) => STEPS[s](inv)).filter((d) => d.length > 0);
  // Every store is asked first: a reset with Kafka or HBase down stops at its check, with nothing stopped
  // or emptied anywhere. Then the stores, which are independent, are emptied in parallel.
  const ready = stores.map((drafts) => readyStep(drafts[0], []));
  const readyIds = opts.continueOnError ? [] : ready.map((r) => r.id);
  // The pipeline's consumers stop before anything is emptied (a group with live members cannot be
  // deleted, and a running consumer would write into the stores while they are emptied) and start again
  // after the last store, from the now empty offsets. Whenever the inventory has them, whatever --only says.
  const withPipeline = Boolean(inv.services.pipeline);
  // Flink jobs likewise: cancelled before, the ones etclab submitted submitted again after (flink/tasks.ts).
  const flink = inv.services.flink ? flinkSteps(inv) : null;
  const flinkReady = flink && !opts.continueOnError ? [readyStep(flink.cancel, [])] : [];
  const readyIdsAll = [...readyIds, ...flinkReady.map((r) => r.id)];
  const flinkCancel: Step[] = flink ? [{ ...flink.cancel, node: CLUSTER, phase: 'reset', deps: readyIdsAll }] : [];
  const stop = [
    ...flinkCancel,
    ...(withPipeline ? buildPlan(inv, 'stop', serviceModules, { services: ['pipeline'] }).steps.map((s) => ({ ...s, deps: [...s.deps, ...readyIdsAll] })) : []),
  ];
  const stopIds = stop.map((s) => s.id);
  const resets: Step[] = stores.flatMap((drafts, k) =>
    drafts.map((d, i) => ({
      ...d,
      node: CLUSTER,
      phase: 'reset' as const,
      // --continue-on-error: a store waits only for its own check, so one store down does not hold back the others.
      deps: i > 0 ? [drafts[i - 1].id] : [...stopIds, ...(opts.continueOnError ? [ready[k].id] : readyIds)],
    })),
  );
  const after = resets.length ? resets.map((s) => s.id) : stopIds;
  const start = withPipeline
    ? buildPlan(inv, 'start', serviceModules, { services: ['pipeline'] }).steps.map((s) => ({ ...s, deps: [...s.deps, ...after] }))
    : [];
  // Jobs come back last, when the stores are empty and the pipeline runs again.
  const resubmit: Step[] = flink ? [{ ...flink.resubmit, node: CLUSTER, phase: 'reset', deps: [...after, ...start.map((s) => s.id)] }] : [];
  return { operation: 'reset', cluster: inv.cluster, steps: [...ready, ...flinkReady, ...stop, ...resets, ...start, ...resubmit] };
}
