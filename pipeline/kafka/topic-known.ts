// A created topic is known to the controller at once but to the other brokers only once their metadata
// update arrives; a producer routed to such a broker meanwhile gets UNKNOWN_TOPIC_OR_PARTITION ("This
// server does not host this topic-partition"), which under load can outlast kafkajs' retries. So
// whoever creates a topic waits here until every broker answers with a leader for every partition.
import { Kafka, logLevel } from 'kafkajs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why `broker` does not serve the topic yet, or null when it lists every partition with a leader. */
async function brokerView(broker: string, topic: string, partitions: number | undefined): Promise<string | null> {
  // A client seeded with one broker asks that broker for metadata.
  const admin = new Kafka({ clientId: 'etclab-topic-check', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const parts = meta.topics[0]?.partitions ?? [];
    if (parts.length === 0 || (partitions !== undefined && parts.length !== partitions)) return `${broker} knows ${parts.length} partitions`;
    const leaderless = parts.filter((p) => p.leader < 0).map((p) => p.partitionId);
    return leaderless.length ? `${broker}: partitions ${leaderless.join(',')} without leader` : null;
  } catch (e) {
    return `${broker}: ${(e as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function waitUntilEveryBrokerKnows(brokers: string[], topic: string, partitions?: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = (await Promise.all(brokers.map((b) => brokerView(b, topic, partitions)))).filter((w): w is string => w !== null);
    if (why.length === 0) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic} not yet served by every broker after ${timeoutMs / 1000} s: ${why.join('; ')}`);
    await sleep(300);
  }
}
