// Kafka health: the cluster metadata as a broker serves it (the same request every client starts with).
import { Kafka, logLevel } from 'kafkajs';
import type { Probe, ProbeResult } from '../../probes/types.ts';

export interface ClusterView {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controller: number | null;
  /** `topic/partition` whose in-sync replicas are fewer than its replicas (only when asked for). */
  underReplicated?: string[];
}

export function judgeKafka(view: ClusterView, p: { expectBrokers?: number; expectBrokerId?: number }): ProbeResult {
  const ids = view.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const list = view.brokers
    .slice()
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => `${b.nodeId}@${b.host}:${b.port}`)
    .join(' ');
  const problems: string[] = [];
  if (p.expectBrokers !== undefined && ids.length !== p.expectBrokers) problems.push(`${ids.length}/${p.expectBrokers} brokers`);
  if (p.expectBrokerId !== undefined && !ids.includes(p.expectBrokerId)) problems.push(`broker ${p.expectBrokerId} not registered`);
  if (view.controller === null || view.controller < 0) problems.push('no controller');
  const urp = view.underReplicated;
  if (urp?.length) problems.push(`${urp.length} under-replicated partition(s) (${urp.slice(0, 3).join(', ')}${urp.length > 3 ? ', …' : ''})`);
  const detail = `brokers ${list || 'none'}, controller ${view.controller ?? '-'}${urp ? `, ${urp.length} under-replicated` : ''}`;
  return { ok: problems.length === 0, detail: problems.length ? `${problems.join(', ')}: ${detail}` : detail };
}

export async function probe(p: Probe): Promise<ProbeResult> {
  const brokers = p.brokers;
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === 'string'))
    throw new Error('probe kafka: brokers must be a non-empty list of host:port');
  const kafka = new Kafka({
    clientId: 'etclab-probe',
    brokers: brokers as string[],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const view = await Promise.race([
      (async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (p.checkReplication !== true) return cluster;
        // A rolling restart may take the next broker down only when every partition is fully in sync again.
        const { topics } = await admin.fetchTopicMetadata();
        const underReplicated = topics.flatMap((t) =>
          t.partitions.filter((pt) => pt.isr.length < pt.replicas.length).map((pt) => `${t.name}/${pt.partitionId}`),
        );
        return { ...cluster, underReplicated };
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no metadata answer within 10s')), 10_000);
      }),
    ]);
    return judgeKafka({ brokers: view.brokers, controller: view.controller, underReplicated: 'underReplicated' in view ? view.underReplicated : undefined }, {
      expectBrokers: typeof p.expectBrokers === 'number' ? p.expectBrokers : undefined,
      expectBrokerId: typeof p.expectBrokerId === 'number' ? p.expectBrokerId : undefined,
    });
  } catch (e) {
    return { ok: false, detail: `${(brokers as string[]).join(',')}: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
