// Protocol name → the code that speaks it. Probes run from the controller, never on a node.
import type { Probe, ProbeContext, ProbeResult } from './types.ts';
import * as zk from '../services/zookeeper/probe.ts';
import * as redis from '../services/redis/probe.ts';
import * as mysql from '../services/mariadb/probe.ts';
import * as kafka from '../services/kafka/probe.ts';
import * as hdfs from '../services/hdfs/probe.ts';
import * as yarn from '../services/yarn/probe.ts';
import * as hbase from '../services/hbase/probe.ts';
import * as flink from '../services/flink/probe.ts';
import * as mysqlProxy from '../services/proxy/probe.ts';
import * as pipeline from '../services/pipeline/probe.ts';
import * as dashboard from '../services/dashboard/probe.ts';

export type { ProbeContext } from './types.ts';

export type ProbeFn = (p: Probe, ctx: ProbeContext) => Promise<ProbeResult>;

const registry = new Map<string, ProbeFn>([
  ['zookeeper', zk.probe],
  ['zookeeper-ensemble', zk.probeEnsemble],
  ['redis', redis.probe],
  ['mysql', mysql.probe],
  ['kafka', kafka.probe],
  ['hdfs', hdfs.probe],
  ['yarn', yarn.probe],
  ['hbase', hbase.probe],
  ['hbase-thrift', hbase.probeThrift],
  ['flink', flink.probe],
  ['mysql-proxy', (p, ctx) => mysqlProxy.probe(p, ctx)],
  ['pipeline', pipeline.probe],
  ['pipeline-group', pipeline.probeGroup],
  ['dashboard', dashboard.probe],
]);

export function registerProbe(protocol: string, fn: ProbeFn): void {
  registry.set(protocol, fn);
}

/** Runs one probe once; a thrown error becomes a failed result with its message. */
export async function runProbe(p: Probe, ctx: ProbeContext): Promise<ProbeResult> {
  const fn = registry.get(p.protocol);
  // A plan naming an unknown protocol is a bug, not a service that is slow to come up: fail at once.
  if (!fn) throw new Error(`no probe for protocol ${p.protocol}; known: ${[...registry.keys()].join(', ')}`);
  try {
    return await fn(p, ctx);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, detail: err.code ? `${err.code} ${err.message}` : err.message };
  }
}
