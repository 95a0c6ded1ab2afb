// HDFS health from the daemons' own JMX servlets (/jmx), which every Hadoop web port serves.
import type { Probe, ProbeResult } from '../../probes/types.ts';

// The JSON GET helpers are shared with yarn.ts (both speak Hadoop's embedded web servers).
export async function getJson(url: string, timeoutMs = 5000): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

export const reason = (e: unknown) => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

export function str(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v === '') throw new Error(`probe ${String(p.protocol)}: field ${key} must be a non-empty string`);
  return v;
}

type Bean = Record<string, unknown>;

function firstBean(doc: unknown, what: string): Bean {
  const beans = (doc as { beans?: Bean[] })?.beans;
  if (!Array.isArray(beans) || beans.length === 0) throw new Error(`no ${what} bean in the /jmx answer`);
  return beans[0];
}

export function judgeNamenode(doc: unknown): ProbeResult {
  const b = firstBean(doc, 'NameNodeStatus');
  return { ok: b.State === 'active', detail: `NameNode ${String(b.State)} at ${String(b.HostAndPort)}` };
}

export function judgeDatanode(doc: unknown): ProbeResult {
  const b = firstBean(doc, 'DataNodeInfo');
  let nns: Record<string, string | null> = {};
  try {
    nns = JSON.parse(String(b.NamenodeAddresses ?? '{}'));
  } catch {
    /* not JSON: treated as not registered */
  }
  const registered = Object.entries(nns).filter(([, bp]) => typeof bp === 'string' && bp.startsWith('BP-'));
  return registered.length
    ? { ok: true, detail: `DataNode registered with ${registered.map(([nn, bp]) => `${nn} (${bp})`).join(', ')}` }
    : { ok: false, detail: `DataNode up but not registered with a NameNode yet` };
}

export function judgeSecondary(doc: unknown): ProbeResult {
  const b = firstBean(doc, 'SecondaryNameNodeInfo');
  return { ok: true, detail: `SecondaryNameNode up (NameNode ${String(b.HostAndPort)}), checkpoints in ${String(b.CheckpointDirectories ?? '?')}` };
}

export function judgeCluster(doc: unknown, expectLive: number): ProbeResult {
  const b = firstBean(doc, 'FSNamesystemState');
  const live = Number(b.NumLiveDataNodes);
  const dead = Number(b.NumDeadDataNodes);
  const state = String(b.FSState);
  const ok = live === expectLive && state === 'Operational';
  return { ok, detail: `${live}/${expectLive} DataNodes live${dead ? `, ${dead} dead` : ''}, ${state === 'Operational' ? 'safe mode off' : `NameNode in ${state}`}` };
}

const QUERY: Record<string, string> = {
  namenode: 'Hadoop:service=NameNode,name=NameNodeStatus',
  datanode: 'Hadoop:service=DataNode,name=DataNodeInfo',
  secondarynamenode: 'Hadoop:service=SecondaryNameNode,name=SecondaryNameNodeInfo',
  cluster: 'Hadoop:service=NameNode,name=FSNamesystemState',
};

export async function probe(p: Probe): Promise<ProbeResult> {
  const check = str(p, 'check');
  const http = str(p, 'http');
  if (!(check in QUERY)) throw new Error(`probe hdfs: check must be one of ${Object.keys(QUERY).join(', ')}, not ${check}`);
  let doc: unknown;
  try {
    doc = await getJson(`http://${http}/jmx?qry=${QUERY[check]}`);
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${reason(e)}` };
  }
  try {
    if (check === 'namenode') return judgeNamenode(doc);
    if (check === 'datanode') return judgeDatanode(doc);
    if (check === 'secondarynamenode') return judgeSecondary(doc);
    return judgeCluster(doc, Number(p.expectLiveDataNodes));
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${(e as Error).message}` };
  }
}
