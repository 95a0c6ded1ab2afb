// Task name → code. Plans name tasks; executors (direct, Pulumi through `etclab task`) run them.
import { READY, type Task } from './types.ts';
import { kafkaGroupsTask, kafkaTopicTask } from '../reset/kafka.ts';
import { hbaseTruncateTask, mysqlTruncateTask, redisPrefixTask } from '../reset/stores.ts';
import { flinkCancelJobsTask, flinkResubmitJobsTask } from '../services/flink/tasks.ts';

const tasks = new Map<string, Task>([
  ['kafka-delete-groups', kafkaGroupsTask],
  ['kafka-recreate-topic', kafkaTopicTask],
  ['hbase-truncate', hbaseTruncateTask],
  ['mysql-truncate', mysqlTruncateTask],
  ['redis-unlink-prefix', redisPrefixTask],
  ['flink-cancel-jobs', flinkCancelJobsTask],
  ['flink-resubmit-jobs', flinkResubmitJobsTask],
]);

/** A task's ready() as a task: changes nothing, and a dry run shows what answered. */
function readiness(name: string, t: Task): Task {
  const ready = t.ready?.bind(t);
  if (!ready) throw new Error(`task ${name} has no readiness check`);
  return {
    inspect: async (params, ctx) => [await ready(params, ctx)],
    run: async (params, ctx) => ({ changed: false, detail: await ready(params, ctx) }),
  };
}

export function taskByName(name: string): Task {
  const base = name.startsWith(READY) ? name.slice(READY.length) : name;
  const t = tasks.get(base);
  if (!t) throw new Error(`no task named ${name}`);
  return base === name ? t : readiness(base, t);
}
