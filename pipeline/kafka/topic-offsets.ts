// kafkajs' admin.fetchTopicOffsets refreshes metadata only once it is older than metadataMaxAge (5 min) and
// gives up at once on "not the leader": after a broker restart or a preferred-leader election, a long-lived
// admin keeps asking the old leader. Dropping the connection drops its metadata; the next call asks afresh.
import type { Admin } from 'kafkajs';

const LEADERSHIP_MOVED = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'NOT_COORDINATOR']);

export interface TopicOffsets {
  partition: number;
  low: number;
  high: number;
}

export const leadershipMoved = (e: unknown): boolean => LEADERSHIP_MOVED.has((e as { type?: string })?.type ?? '');

/** Low and high watermark per partition, in partition order, riding out a leader that moved. */
export async function topicOffsets(admin: Admin, topic: string, attempts = 5, pauseMs = 300): Promise<TopicOffsets[]> {
  for (let n = 1; ; n++) {
    try {
      const offs = await admin.fetchTopicOffsets(topic);
      return offs.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) })).sort((a, b) => a.partition - b.partition);
    } catch (e) {
      if (!leadershipMoved(e) || n >= attempts) throw e;
      await admin.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, pauseMs * n));
      await admin.connect();
    }
  }
}
