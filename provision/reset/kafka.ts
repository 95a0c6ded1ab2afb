// Kafka's part of a reset: drop the pipeline's consumer groups, then delete and recreate the topic.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { waitUntilEveryBrokerKnows } from '../../pipeline/kafka/topic-known.ts';
import type { Task, TaskContext } from '../tasks/types.ts';
import { topicOffsets, type TopicOffsets } from '../../pipeline/kafka/topic-offsets.ts';

export interface KafkaGroupsParams {
  brokers: string[];
  topic: string;
  /** Groups deleted by name (the pipeline's own), whatever topics they read. */
  groups: string[];
  /**
   * How long a named group's members may take to leave after its consumers were stopped: one that died
   * without leaving (killed, or mid-restart when stopped) stays a member until its session times out.
   */
  membersLeaveSec?: number;
  /**
   * Also every other group whose committed offsets are all on `topic`: recreating the topic makes them
   * meaningless. A group that also reads other topics is kept (deleting it would lose those offsets).
   */
  allGroupsOnTopic?: boolean;
}

export interface KafkaTopicParams {
  brokers: string[];
  topic: string;
  partitions: number;
  replication: number;
  /** Leave an absent topic absent (a Flink job's output topic that was never written). */
  onlyIfPresent?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function topicEnds(admin: Admin, topic: string): Promise<TopicOffsets[] | null> {
  if (!(await admin.listTopics()).includes(topic)) return null;
  return topicOffsets(admin, topic);
}

const messagesIn = (ends: TopicOffsets[]) => ends.reduce((n, e) => n + e.high - e.low, 0);

interface GroupPlan {
  /** Will be deleted, with its lag on the topic and its live member count. */
  remove: Array<{ group: string; lag: number | null; members: number; state: string }>;
  /** Has offsets on the topic but also on other topics: left alone. */
  keep: Array<{ group: string; otherTopics: string[] }>;
}

async function planGroups(admin: Admin, p: KafkaGroupsParams): Promise<GroupPlan> {
  const existing = (await admin.listGroups()).groups.map((g) => g.groupId);
  const ends = await topicEnds(admin, p.topic);
  const plan: GroupPlan = { remove: [], keep: [] };
  const chosen: Array<{ group: string; lag: number | null }> = [];
  for (const group of existing) {
    // No topic list: the group's committed offsets on every topic, so we know what else it reads.
    const committed = (await admin.fetchOffsets({ groupId: group })).filter((t) => t.partitions.some((x) => Number(x.offset) >= 0));
    const onTopic = committed.find((t) => t.topic === p.topic);
    const others = committed.map((t) => t.topic).filter((t) => t !== p.topic);
    const named = p.groups.includes(group);
    if (!named && !(p.allGroupsOnTopic && onTopic)) continue;
    if (!named && others.length) {
      plan.keep.push({ group, otherTopics: others });
      continue;
    }
    let lag: number | null = null;
    if (onTopic && ends) {
      // Messages the group has not read yet: log end − committed, from the log start when nothing is
      // committed or the commit is older than what retention (or an earlier recreate) kept.
      lag = ends.reduce((n, e) => {
        const c = Number(onTopic.partitions.find((x) => x.partition === e.partition)?.offset ?? -1);
        return n + Math.max(0, e.high - Math.max(c, e.low));
      }, 0);
    }
    chosen.push({ group, lag });
  }
  if (chosen.length) {
    const desc = await admin.describeGroups(chosen.map((c) => c.group));
    for (const c of chosen) {
      const d = desc.groups.find((g) => g.groupId === c.group);
      plan.remove.push({ ...c, members: d?.members.length ?? 0, state: d?.state ?? 'Unknown' });
    }
  }
  return plan;
}

const liveMsg = (live: GroupPlan['remove']) =>
  `consumer group${live.length > 1 ? 's' : ''} ${live.map((g) => `${g.group} (${g.members} live member${g.members > 1 ? 's' : ''})`).join(', ')} still consuming: stop those consumers first, Kafka refuses to delete a group with live members`;

/** Every broker of the inventory in the cluster: the recreated topic needs them all for its replicas. */
async function kafkaReady(params: Record<string, unknown>): Promise<string> {
  const { brokers } = params as unknown as { brokers: string[] };
  return withAdmin(brokers, async (admin) => {
    const c = await admin.describeCluster();
    const seen = new Set(c.brokers.map((b) => `${b.host}:${b.port}`));
    const missing = brokers.filter((b) => !seen.has(b));
    if (missing.length) throw new Error(`Kafka brokers ${missing.join(', ')} are not in the cluster (${c.brokers.length} of ${brokers.length} up): start kafka first (etclab start kafka)`);
    if (c.controller === null || c.controller < 0) throw new Error('Kafka has no active controller yet: retry in a few seconds');
    return `Kafka: all ${brokers.length} brokers in the cluster, controller ${c.controller}`;
  });
}

export const kafkaGroupsTask: Task = {
  ready: kafkaReady,
  async inspect(params) {
    const p = params as unknown as KafkaGroupsParams;
    return withAdmin(p.brokers, async (admin) => {
      const plan = await planGroups(admin, p);
      const lines = plan.remove.map(
        (g) =>
          `consumer group ${g.group}: delete (lag ${g.lag ?? 'n/a'} on topic ${p.topic})` +
          (g.members ? ` — ${g.members} live member${g.members > 1 ? 's' : ''}: stop its consumers first or the reset fails here` : ''),
      );
      for (const k of plan.keep) lines.push(`consumer group ${k.group}: kept (also reads ${k.otherTopics.join(', ')}); its offsets on ${p.topic} go stale`);
      return lines.length ? lines : [`consumer groups of topic ${p.topic}: none to delete`];
    });
  },
  async run(params, ctx) {
    const p = params as unknown as KafkaGroupsParams;
    return withAdmin(p.brokers, async (admin) => {
      const plan = await planGroups(admin, p);
      for (const k of plan.keep) ctx.log(`kept consumer group ${k.group}: it also reads ${k.otherTopics.join(', ')}`);
      if (!plan.remove.length) return { changed: false, detail: 'no consumer group to delete' };
      // Checked first so the message names the consumers instead of Kafka's bare GROUP_NOT_EMPTY.
      let live = plan.remove.filter((g) => g.members > 0);
      const until = Date.now() + (p.membersLeaveSec ?? 0) * 1000;
      while (live.length && live.every((g) => p.groups.includes(g.group)) && Date.now() < until) {
        ctx.log(`waiting for ${live.map((g) => `${g.group} (${g.members} members)`).join(', ')} to empty: a consumer stopped without leaving expires with its session`);
        await new Promise((r) => setTimeout(r, 2000));
        const again = await planGroups(admin, p);
        live = again.remove.filter((g) => g.members > 0);
        plan.remove = again.remove;
      }
      if (live.length) throw new Error(liveMsg(live));
      const names = plan.remove.map((g) => g.group);
      try {
        await admin.deleteGroups(names);
      } catch (e) {
        const failed = (e as { groups?: Array<{ groupId: string; error?: Error }> }).groups?.filter((g) => g.error);
        throw new Error(`deleting consumer groups failed: ${failed?.length ? failed.map((g) => `${g.groupId}: ${g.error!.message}`).join('; ') : (e as Error).message}`);
      }
      ctx.log(`deleted consumer groups ${names.join(', ')}`);
      return { changed: true, detail: `deleted consumer group${names.length > 1 ? 's' : ''} ${names.join(', ')}` };
    });
  },
};

/** Partitions with a leader and every replica in sync: each broker holding the topic has its logs. */
async function topicReady(admin: Admin, p: KafkaTopicParams): Promise<string | null> {
  const meta = await admin.fetchTopicMetadata({ topics: [p.topic] });
  const parts = meta.topics[0]?.partitions ?? [];
  if (parts.length !== p.partitions) return `${parts.length} of ${p.partitions} partitions`;
  const bad = parts.filter((x) => x.leader < 0 || x.replicas.length !== p.replication || x.isr.length !== p.replication);
  return bad.length ? `partitions ${bad.map((x) => `${x.partitionId} (leader ${x.leader}, replicas ${x.replicas.length}, in sync ${x.isr.length})`).join(', ')} not ready` : null;
}

/** A broker not yet told of a topic just created answers with these: the next ask may find it. */
export function notYet(e: unknown): string | null {
  const err = e as { type?: string; retriable?: boolean; message?: string; originalError?: unknown };
  const inner = (err.originalError ?? err) as typeof err;
  return inner.retriable || inner.type === 'UNKNOWN_TOPIC_OR_PARTITION' || inner.type === 'LEADER_NOT_AVAILABLE' ? String(inner.message ?? err.message) : null;
}

async function until(what: string, timeoutMs: number, check: () => Promise<string | null>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = await check().catch((e) => {
      const transient = notYet(e);
      if (transient === null) throw e;
      return transient;
    });
    if (why === null) return;
    if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs / 1000} s: ${why}`);
    await sleep(500);
  }
}

export const kafkaTopicTask: Task = {
  ready: kafkaReady,
  async inspect(params) {
    const p = params as unknown as KafkaTopicParams;
    return withAdmin(p.brokers, async (admin) => {
      const ends = await topicEnds(admin, p.topic);
      const target = `${p.partitions} partitions × ${p.replication} replicas`;
      if (!ends) return [p.onlyIfPresent ? `topic ${p.topic}: absent, nothing to do` : `topic ${p.topic}: absent, create with ${target}`];
      const per = ends.map((e) => `p${e.partition} ${e.high - e.low}`).join(', ');
      return [`topic ${p.topic}: delete ${messagesIn(ends)} messages in ${ends.length} partitions (${per}), recreate with ${target}`];
    });
  },
  async run(params, ctx: TaskContext) {
    const p = params as unknown as KafkaTopicParams;
    return withAdmin(p.brokers, async (admin) => {
      const before = await topicEnds(admin, p.topic);
      if (!before && p.onlyIfPresent) return { changed: false, detail: `topic ${p.topic} absent, nothing to do` };
      // Fresh = what a recreate gives: offsets from 0 (not just emptied by retention), the same layout.
      if (before && before.every((e) => e.high === 0) && before.length === p.partitions && (await topicReady(admin, p)) === null)
        return { changed: false, detail: `topic ${p.topic} already fresh (${p.partitions} partitions × ${p.replication})` };
      if (before) {
        await admin.deleteTopics({ topics: [p.topic], timeout: 30_000 });
        ctx.log(`deleting topic ${p.topic} (${messagesIn(before)} messages)`);
      }
      // Deletion is asynchronous: the topic leaves the metadata at once, but until every replica has
      // deleted its log the controller answers a create with TOPIC_ALREADY_EXISTS ("marked for
      // deletion"), which kafkajs reports as createTopics() === false, not as an error. So a create that
      // returns true is the proof that deletion completed on every broker.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const created = await admin.createTopics({ topics: [{ topic: p.topic, numPartitions: p.partitions, replicationFactor: p.replication }], waitForLeaders: true, timeout: 30_000 });
        if (created) break;
        const back = await topicEnds(admin, p.topic);
        if (back) {
          // Auto-created meanwhile (auto.create.topics.enable) by a client asking for it: fine when still fresh.
          if (back.length === p.partitions && back.every((e) => e.high === 0)) break;
          throw new Error(`topic ${p.topic} was recreated by someone else while the reset waited (${back.length} partitions, ${messagesIn(back)} messages): stop the replay and other producers, then run reset again`);
        }
        if (Date.now() > deadline) throw new Error(`topic ${p.topic} still marked for deletion 120 s after its delete: is every broker up? (etclab status --services kafka)`);
        await sleep(1000);
      }
      ctx.log(`created topic ${p.topic}`);
      await until(`topic ${p.topic} not fully replicated`, 60_000, () => topicReady(admin, p));
      await waitUntilEveryBrokerKnows(p.brokers, p.topic, p.partitions);
      return { changed: true, detail: `topic ${p.topic} ${before ? `recreated (${messagesIn(before)} messages deleted)` : 'created'}, ${p.partitions} partitions × ${p.replication}` };
    });
  },
};
