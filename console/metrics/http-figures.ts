// HDFS, HBase and Flink summary figures from their HTTP JSON endpoints (NameNode and HMaster JMX servlets,
// Flink's REST /overview). URLs come from the inventory; a service not in it is "not deployed".
import type { Inventory } from '../../provision/inventory/types.ts';
import { Absent, type ClusterFigures } from './types.ts';
import type { HostPort } from '../../provision/inventory/members.ts';
import { namenodeWeb } from '../../provision/services/hdfs/endpoints.ts';
import { hbaseMasterWeb } from '../../provision/services/hbase/endpoints.ts';
import { flinkRest } from '../../provision/services/flink/endpoints.ts';

type Figures<K extends keyof ClusterFigures> = Extract<ClusterFigures[K], { state: 'ok' }>['data'];

const ENDPOINTS = {
  hdfs: { service: 'hdfs', at: namenodeWeb, path: '/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState' },
  hbase: { service: 'hbase', at: hbaseMasterWeb, path: '/jmx?qry=Hadoop:service=HBase,name=Master,sub=Server' },
  flink: { service: 'flink', at: flinkRest, path: '/overview' },
} satisfies Record<keyof ClusterFigures, { service: string; at: (inv: Inventory) => HostPort; path: string }>;

/** The endpoint URL for a service of the inventory (from the service module's endpoints); Absent when it is not deployed. */
export function endpointUrl(inv: Inventory, which: keyof ClusterFigures): string {
  const ep = ENDPOINTS[which];
  if (!inv.services[ep.service]) throw new Absent(`${ep.service} is not deployed (not in the inventory)`);
  const { host, port } = ep.at(inv);
  return `http://${host}:${port}${ep.path}`;
}

function jmxBean(json: unknown, what: string): Record<string, unknown> {
  const beans = (json as { beans?: unknown })?.beans;
  if (!Array.isArray(beans) || !beans.length || typeof beans[0] !== 'object') throw new Error(`${what}: JMX answer has no bean`);
  return beans[0] as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`${what}: field ${key} missing or not a number`);
  return v;
}

export function parseHdfs(json: unknown): Figures<'hdfs'> {
  const b = jmxBean(json, 'NameNode FSNamesystemState');
  return { liveDataNodes: num(b, 'NumLiveDataNodes', 'NameNode'), deadDataNodes: num(b, 'NumDeadDataNodes', 'NameNode') };
}

export function parseHbase(json: unknown): Figures<'hbase'> {
  const b = jmxBean(json, 'HMaster Server');
  return { regionServers: num(b, 'numRegionServers', 'HMaster'), deadRegionServers: num(b, 'numDeadRegionServers', 'HMaster') };
}

export function parseFlink(json: unknown): Figures<'flink'> {
  const o = (json ?? {}) as Record<string, unknown>;
  return {
    taskManagers: num(o, 'taskmanagers', 'Flink /overview'),
    slotsTotal: num(o, 'slots-total', 'Flink /overview'),
    slotsAvailable: num(o, 'slots-available', 'Flink /overview'),
    jobsRunning: num(o, 'jobs-running', 'Flink /overview'),
    jobsFailed: num(o, 'jobs-failed', 'Flink /overview'),
  };
}

export async function getJson(url: string, timeoutMs = 3000): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url}: not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}…)`);
  }
}

export const readHdfs = async (inv: Inventory) => parseHdfs(await getJson(endpointUrl(inv, 'hdfs')));
export const readHbase = async (inv: Inventory) => parseHbase(await getJson(endpointUrl(inv, 'hbase')));
export const readFlink = async (inv: Inventory) => parseFlink(await getJson(endpointUrl(inv, 'flink')));
