// The big screen's health strip: each store's answer, the pipeline's consumers (lag, rates), Flink's jobs.
import type { ReadAccess } from './access.ts';
import type { Stores } from './stores.ts';
import { groupView } from '../provision/services/pipeline/probe.ts';
import { FlinkRest } from '../provision/services/flink/rest.ts';

export interface Health {
  at: number;
  stores: Record<'mysql' | 'redis' | 'hbase', { ok: boolean; detail: string }>;
  pipeline: { consumers: number; consuming: number; lag: number; ratePerSec: number; records: number; down: string[] } | null;
  flink: { running: string[]; error?: string } | null;
}

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; detail: string }> {
  try {
    await fn();
    return { ok: true, detail: 'answers' };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

export function healthOf(access: ReadAccess, stores: Stores): () => Promise<Health> {
  return async () => {
    const [mysql, redis, hbase, pipeline, flink] = await Promise.all([
      check(() => stores.shards('SELECT 1', [])),
      check(async () => (await stores.redis()).ping()),
      check(async () => (await stores.hbase()).getTableNames()),
      access.consumers.length
        ? groupView(access.consumers.map((c) => ({ node: c.node, host: c.host, port: c.port }))).then((v) => ({
            consumers: v.consumers.length,
            consuming: v.consumers.filter((c) => c.status?.state === 'consuming').length,
            lag: v.lag,
            ratePerSec: v.rate,
            records: v.records,
            down: v.consumers.filter((c) => c.status?.state !== 'consuming').map((c) => `${c.node}: ${c.status ? String(c.status.state) : c.error}`),
          }))
        : Promise.resolve(null),
      access.flink
        ? new FlinkRest(`http://${access.flink.host}:${access.flink.port}`, 3_000).jobs().then(
            (js) => ({ running: js.filter((j) => j.state === 'RUNNING').map((j) => j.name) }),
            (e: Error) => ({ running: [], error: e.message }),
          )
        : Promise.resolve(null),
    ]);
    return { at: Date.now(), stores: { mysql, redis, hbase }, pipeline, flink };
  };
}
