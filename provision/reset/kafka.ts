// Kafka's part of a reset: drop the pipeline's consumer groups, then delete and recreate the topic.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Task, TaskContext } from '../tasks/types.ts';

export interface KafkaResetParams {
  brokers: string[];
  topic: string;
  partitions: number;
  replication: number;
  groups: string[];
}

async function withAdmin<T>(brokers: string[], fn: (a: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({ clientId: 'etclab-reset', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, requestTimeout: 15000, retry: { retries: 2 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`Kafka brokers ${brokers.join(',')} do not answer (${(e as Error).message}): is kafka up? (etclab status --services kafka)`);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const p = (x: Record<string, unknown>) => x as unknown as KafkaResetParams;

async function existingGroups(admin: Admin, wanted: string[]): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups.map((g) => g.groupId).filter((g) => wanted.includes(g));
}

async function topicMessages(admin: Admin, topic: string): Promise<{ partitions: number; messages: number } | null> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return null;
  const offs = await admin.fetchTopicOffsets(topic);
  return { partitions: offs.length, messages: offs.reduce((n, o) => n + Number(o.high) - Number(o.low), 0) };
}

export const kafkaGroupsTask: Task = {
  async inspect(params) {
    const { brokers, groups, topic } = p(params);
    return withAdmin(brokers, async (admin) => {
      const found = await existingGroups(admin, groups);
      if (!found.length) return ['consumer groups: none of ' + groups.join(', ')];
      const ends = (await topicMessages(admin, topic)) ? await admin.fetchTopicOffsets(topic) : [];
      const lines: string[] = [];
      for (const g of found) {
        const offs = await admin.fetchOffsets({ groupId: g, topics: [topic] });
        const lag = offs.flatMap((t) => t.partitions).reduce((n, x) => {
          const end = Number(ends.find((e) => e.partition === x.partition)?.high ?? 0);
          return n + (Number(x.offset) >= 0 ? end - Number(x.offset) : end);
        }, 0);
        lines.push(`consumer group ${g}: delete (lag ${lag})`);
      }
      return lines;
    });
  },
  async run(params, ctx) {
    const { brokers, groups } = p(params);
    return withAdmin(brokers, async (admin) => {
      const found = await existingGroups(admin, groups);
      if (!found.length) return { changed: false, detail: 'no consumer group to delete' };
      // A group with live members cannot be deleted: the pipeline was stopped by an earlier step.
      await admin.deleteGroups(found);
      ctx.log(`deleted consumer groups ${found.join(', ')}`);
      return { changed: true, detail: `deleted groups ${found.join(', ')}` };
    });
  },
};

export const kafkaTopicTask: Task = {
  async inspect(params) {
    const { brokers, topic, partitions, replication } = p(params);
    return withAdmin(brokers, async (admin) => {
      const t = await topicMessages(admin, topic);
      return [t ? `topic ${topic}: delete ${t.messages} messages in ${t.partitions} partitions, recreate with ${partitions} partitions × ${replication} replicas` : `topic ${topic}: absent, create with ${partitions} partitions × ${replication} replicas`];
    });
  },
  async run(params, ctx: TaskContext) {
    const { brokers, topic, partitions, replication } = p(params);
    return withAdmin(brokers, async (admin) => {
      const before = await topicMessages(admin, topic);
      if (before && before.messages === 0 && before.partitions === partitions) {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        if (meta.topics[0].partitions.every((x) => x.replicas.length === replication))
          return { changed: false, detail: `topic ${topic} already empty with ${partitions} partitions × ${replication}` };
      }
      if (before) {
        await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
        // Deletion is asynchronous on the brokers: recreating too early fails or resurrects old segments.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const still = (await admin.listTopics()).includes(topic);
          if (!still) break;
          if (Date.now() > deadline) throw new Error(`topic ${topic} still listed 60 s after its deletion`);
          await new Promise((r) => setTimeout(r, 500));
        }
        ctx.log(`deleted topic ${topic} (${before.messages} messages)`);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: replication }], waitForLeaders: true, timeout: 30_000 });
          break;
        } catch (e) {
          // "topic marked for deletion" until every broker has finished.
          if (attempt >= 30) throw e;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      const after = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = after.topics[0].partitions;
      if (parts.length !== partitions || parts.some((x) => x.replicas.length !== replication))
        throw new Error(`topic ${topic} came back with ${parts.length} partitions, replicas ${parts.map((x) => x.replicas.length).join('/')}`);
      return { changed: true, detail: `topic ${topic} recreated (${partitions} partitions × ${replication})` };
    });
  },
};
