// Task name → code. Plans name tasks; executors (direct, Pulumi through `etclab task`) run them.
import type { Task } from './types.ts';
import { kafkaGroupsTask, kafkaTopicTask } from '../reset/kafka.ts';
import { hbaseTruncateTask, mysqlTruncateTask, redisPrefixTask } from '../reset/stores.ts';

const tasks = new Map<string, Task>([
  ['kafka-delete-groups', kafkaGroupsTask],
  ['kafka-recreate-topic', kafkaTopicTask],
  ['hbase-truncate', hbaseTruncateTask],
  ['mysql-truncate', mysqlTruncateTask],
  ['redis-unlink-prefix', redisPrefixTask],
]);

export function taskByName(name: string): Task {
  const t = tasks.get(name);
  if (!t) throw new Error(`no task named ${name}`);
  return t;
}
