// HBase health: the master's and RegionServers' JMX servlets, and a real Thrift call on the gateway.
import type { Probe, ProbeResult } from '../../probes/types.ts';
import { getJson, reason, str } from '../hdfs/probe.ts';
import { thriftPing } from '../../../pipeline/hbase/client.ts';

type Bean = Record<string, unknown>;

function bean(doc: unknown, what: string): Bean {
  const beans = (doc as { beans?: Bean[] })?.beans;
  if (!Array.isArray(beans) || beans.length === 0) throw new Error(`no ${what} bean in the /jmx answer (still starting?)`);
  return beans[0];
}

const MASTER = 'Hadoop:service=HBase,name=Master,sub=Server';
const REGIONSERVER = 'Hadoop:service=HBase,name=RegionServer,sub=Server';

export function judgeMaster(doc: unknown): ProbeResult {
  const b = bean(doc, 'Master Server');
  const active = b['tag.isActiveMaster'] === 'true' || b['tag.isActiveMaster'] === true;
  return { ok: true, detail: `${active ? 'active' : 'backup'} HMaster ${String(b['tag.serverName'])}, ${Number(b.numRegionServers)} RegionServers` };
}

export function judgeRegionServer(doc: unknown): ProbeResult {
  const b = bean(doc, 'RegionServer Server');
  const cluster = String(b['tag.clusterId'] ?? '');
  return cluster
    ? { ok: true, detail: `RegionServer ${String(b['tag.serverName'])} serving ${Number(b.regionCount)} regions` }
    : { ok: false, detail: `RegionServer ${String(b['tag.serverName'])} has not joined a cluster yet` };
}

export function judgeCluster(doc: unknown, expect: number): ProbeResult {
  const b = bean(doc, 'Master Server');
  const active = b['tag.isActiveMaster'] === 'true' || b['tag.isActiveMaster'] === true;
  const live = Number(b.numRegionServers);
  const dead = Number(b.numDeadRegionServers ?? 0);
  if (!active) return { ok: false, detail: `HMaster ${String(b['tag.serverName'])} is not active` };
  return { ok: live === expect, detail: `${live}/${expect} RegionServers live${dead ? `, ${dead} dead` : ''}` };
}

async function thriftCheck(host: string, port: number, api: 1 | 2): Promise<ProbeResult> {
  try {
    const r = await thriftPing({ host, port }, api);
    if (r.serverType !== api) return { ok: false, detail: `${host}:${port} is a thrift${r.serverType} server, expected thrift${api}` };
    return { ok: true, detail: api === 1 ? `thrift1 ${host}:${port} answers getTableNames (${r.tables} tables)` : `thrift2 ${host}:${port} answers` };
  } catch (e) {
    return { ok: false, detail: `thrift${api} ${host}:${port}: ${reason(e)}` };
  }
}

/** protocol "hbase": check master | regionserver (http = info server) | cluster (+ optional thrift). */
export async function probe(p: Probe): Promise<ProbeResult> {
  const check = str(p, 'check');
  const http = str(p, 'http');
  if (!['master', 'regionserver', 'cluster'].includes(check)) throw new Error(`probe hbase: check must be master, regionserver or cluster, not ${check}`);
  let doc: unknown;
  try {
    doc = await getJson(`http://${http}/jmx?qry=${check === 'regionserver' ? REGIONSERVER : MASTER}`);
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${reason(e)}` };
  }
  let result: ProbeResult;
  try {
    result = check === 'master' ? judgeMaster(doc) : check === 'regionserver' ? judgeRegionServer(doc) : judgeCluster(doc, Number(p.expectRegionServers));
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${(e as Error).message}` };
  }
  const thrift = p.thrift as { host?: unknown; port?: unknown } | undefined;
  if (check !== 'cluster' || !result.ok || !thrift) return result;
  const t = await thriftCheck(String(thrift.host), Number(thrift.port), 1);
  return { ok: t.ok, detail: `${result.detail}; ${t.detail}` };
}

/** protocol "hbase-thrift": api 1 | 2, host, port. */
export async function probeThrift(p: Probe): Promise<ProbeResult> {
  const api = Number(p.api);
  if (api !== 1 && api !== 2) throw new Error(`probe hbase-thrift: api must be 1 or 2, not ${String(p.api)}`);
  return thriftCheck(str(p, 'host'), Number(p.port), api);
}
