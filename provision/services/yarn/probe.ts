// YARN health from the ResourceManager's and NodeManagers' REST APIs (/ws/v1).
import type { Probe, ProbeResult } from '../../probes/types.ts';
import { getJson, reason, str } from '../hdfs/probe.ts';

export function judgeResourceManager(doc: unknown): ProbeResult {
  const i = (doc as { clusterInfo?: Record<string, unknown> })?.clusterInfo;
  if (!i) return { ok: false, detail: 'no clusterInfo in the answer' };
  return { ok: i.state === 'STARTED' && i.haState === 'ACTIVE', detail: `ResourceManager ${String(i.state)} ${String(i.haState)}, Hadoop ${String(i.hadoopVersion)}` };
}

export function judgeNodeManager(doc: unknown): ProbeResult {
  const i = (doc as { nodeInfo?: Record<string, unknown> })?.nodeInfo;
  if (!i) return { ok: false, detail: 'no nodeInfo in the answer' };
  return {
    ok: i.nodeHealthy === true,
    detail: `NodeManager ${String(i.nodeHostName)} ${i.nodeHealthy ? 'healthy' : `unhealthy: ${String(i.healthReport)}`}, ${String(i.totalVmemAllocatedContainersMB ?? '?')} MB vmem`,
  };
}

export function judgeCluster(doc: unknown, expect: number): ProbeResult {
  const m = (doc as { clusterMetrics?: Record<string, unknown> })?.clusterMetrics;
  if (!m) return { ok: false, detail: 'no clusterMetrics in the answer' };
  const active = Number(m.activeNodes);
  const unhealthy = Number(m.unhealthyNodes);
  return {
    ok: active === expect,
    detail: `${active}/${expect} NodeManagers active${unhealthy ? `, ${unhealthy} unhealthy` : ''}, ${String(m.totalMB)} MB / ${String(m.totalVirtualCores)} vcores`,
  };
}

const PATH: Record<string, string> = {
  resourcemanager: '/ws/v1/cluster/info',
  nodemanager: '/ws/v1/node/info',
  cluster: '/ws/v1/cluster/metrics',
};

export async function probe(p: Probe): Promise<ProbeResult> {
  const check = str(p, 'check');
  const http = str(p, 'http');
  if (!(check in PATH)) throw new Error(`probe yarn: check must be one of ${Object.keys(PATH).join(', ')}, not ${check}`);
  let doc: unknown;
  try {
    doc = await getJson(`http://${http}${PATH[check]}`);
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${reason(e)}` };
  }
  if (check === 'resourcemanager') return judgeResourceManager(doc);
  if (check === 'nodemanager') return judgeNodeManager(doc);
  return judgeCluster(doc, Number(p.expectActiveNodeManagers));
}
