// What the ETC job template (jobs/flink) wrote to its Kafka topics, read back as the offline reference is
// shaped (test/reference): flow per "checkpoint\0minute", clone pairs as "earlier GCXH|later GCXH".
import { Kafka, logLevel } from 'kafkajs';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';

/** Every message value of the topic, partition by partition in offset order, up to its end now. */
export async function readTopic(brokers: string[], topic: string): Promise<string[]> {
  const kafka = new Kafka({ brokers, clientId: 'etclab-test-reader', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // The job creates its topics with its first output (auto-create): none yet is nothing to read.
  const ends = await (async () => ((await admin.listTopics()).includes(topic) ? topicOffsets(admin, topic) : []))().finally(() => admin.disconnect());
  const pending = new Map(ends.filter((e) => e.high > e.low).map((e) => [e.partition, e.high]));
  const values: Array<[number, number, string]> = [];
  if (!pending.size) return [];
  const consumer = kafka.consumer({ groupId: `etclab-test-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${topic}: not read to its end within 60 s`)), 60_000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = pending.get(partition);
        if (end === undefined) return;
        const offset = Number(message.offset);
        values.push([partition, offset, message.value?.toString('utf8') ?? '']);
        if (offset + 1 >= end) pending.delete(partition);
        if (!pending.size) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  }).finally(() => consumer.disconnect());
  return values.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((v) => v[2]);
}

/** The job's flow lines → "checkpoint\0minute" → count; a key written twice (a restart) keeps its newest. */
export function flowFromLines(lines: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    const o = JSON.parse(l) as { checkpoint: string; minute: string; count: number };
    m.set(`${o.checkpoint}\u0000${o.minute}`, o.count);
  }
  return m;
}

export function clonePairsFromLines(lines: string[]): string[] {
  return [...new Set(lines.map((l) => {
    const o = JSON.parse(l) as { first: { gcxh: string }; second: { gcxh: string } };
    return `${o.first.gcxh}|${o.second.gcxh}`;
  }))].sort();
}

/** Whether a savepoint Flink reported exists: a file:// path on this machine, or hdfs:// through WebHDFS. */
export async function savepointExists(location: string, webhdfs: string): Promise<boolean> {
  const url = new URL(location);
  if (url.protocol === 'file:') return (await import('node:fs')).existsSync(url.pathname);
  if (url.protocol !== 'hdfs:') throw new Error(`savepoint ${location}: neither file:// nor hdfs://`);
  const r = await fetch(`http://${webhdfs}/webhdfs/v1${url.pathname}?op=GETFILESTATUS`);
  return r.status === 200 && ((await r.json()) as { FileStatus?: { type?: string } }).FileStatus?.type === 'DIRECTORY';
}
