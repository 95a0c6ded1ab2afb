// `etclab status`: node × service → state, pid, port, health, uptime, stale config. One SSH round trip per
// node plus one probe per daemon, all in parallel.
import type { Inventory } from '../inventory/types.ts';
import type { ServiceModule } from '../services/types.ts';
import { daemonConfigFiles, daemonsOf, type DaemonRef } from '../plan/build.ts';
import { inspectScript, parseInspect, type InspectedDaemon } from '../plan/daemon-scripts.ts';
import { configDigest } from '../plan/files-script.ts';
import { runProbe } from '../probes/registry.ts';
import { resolveSecret } from '../inventory/resolve-secrets.ts';
import { fillSecrets } from '../executors/direct/secrets-fill.ts';
import type { SshPool } from '../executors/direct/ssh.ts';

export type DaemonState = 'running' | 'stopped' | 'unreachable';

export interface DaemonStatus {
  node: string;
  service: string;
  role: string;
  state: DaemonState;
  pid: number | null;
  ports: number[];
  healthy: boolean | null;
  health: string;
  uptimeSec: number | null;
  staleConfig: boolean;
}

export interface ClusterStatus {
  at: string;
  daemons: DaemonStatus[];
  services: Array<{ service: string; healthy: boolean | null; detail: string }>;
}

const keyOf = (d: DaemonRef) => `${d.service}:${d.role}`;

export async function collectStatus(inv: Inventory, modules: ServiceModule[], pool: SshPool, only?: { services?: string[]; nodes?: string[]; deep?: boolean }): Promise<ClusterStatus> {
  const secret = (name: string) => resolveSecret(inv, name);
  const deep = Boolean(only?.deep);
  const refs = daemonsOf(inv, modules).filter(
    (d) => (!only?.services || only.services.includes(d.service)) && (!only?.nodes || only.nodes.includes(d.node.name)),
  );
  const nodes = [...new Set(refs.map((r) => r.node.name))];
  const inspected = new Map<string, Map<string, InspectedDaemon> | Error>();
  await Promise.all(
    nodes.map(async (n) => {
      const mine = refs.filter((r) => r.node.name === n);
      try {
        const r = await pool.exec(n, inspectScript(mine.map((d) => ({ key: keyOf(d), role: d.role, home: d.home }))), { timeoutSec: 20 });
        inspected.set(n, parseInspect(r.output));
      } catch (e) {
        inspected.set(n, e as Error);
      }
    }),
  );
  const daemons = await Promise.all(
    refs.map(async (d): Promise<DaemonStatus> => {
      const base = { node: d.node.name, service: d.service, role: d.role, ports: d.daemon.ports };
      const ins = inspected.get(d.node.name)!;
      if (ins instanceof Error)
        return { ...base, state: 'unreachable', pid: null, healthy: false, health: ins.message, uptimeSec: null, staleConfig: false };
      const i = ins.get(keyOf(d));
      const alive = !!i?.alive;
      const probe = alive && d.daemon.probe ? await runProbe(d.daemon.probe, { secret, deep }) : null;
      let stale = false;
      if (alive && i?.startedDigest) {
        const files = await Promise.all(daemonConfigFiles(d.home, d.role, d.daemon).map(async (f) => ({ ...f, content: await fillSecrets(f.content, secret) })));
        stale = configDigest(files) !== i.startedDigest;
      }
      return {
        ...base,
        state: alive ? 'running' : 'stopped',
        pid: alive ? (i?.pid ?? null) : null,
        healthy: probe ? probe.ok : alive ? null : false,
        health: probe ? probe.detail : alive ? 'no probe' : 'not running',
        uptimeSec: alive ? (i?.uptimeSec ?? null) : null,
        staleConfig: stale,
      };
    }),
  );
  const services = await Promise.all(
    [...new Set(refs.map((r) => r.service))].map(async (svc) => {
      const module = modules.find((m) => m.name === svc)!;
      const spec = inv.services[svc];
      const mine = daemons.filter((d) => d.service === svc);
      const probe = only?.nodes ? null : module.clusterProbe?.({ inventory: inv, spec, members: membersFrom(refs, svc) });
      if (probe) {
        const r = await runProbe(probe, { secret, deep });
        return { service: svc, healthy: r.ok, detail: r.detail };
      }
      const bad = mine.filter((d) => d.healthy === false);
      return { service: svc, healthy: bad.length === 0, detail: bad.length ? `${bad.map((b) => `${b.node} ${b.role}`).join(', ')} not healthy` : `${mine.length} healthy` };
    }),
  );
  return { at: new Date().toISOString(), daemons, services };
}

function membersFrom(refs: DaemonRef[], svc: string) {
  const out: Record<string, DaemonRef['node'][]> = {};
  for (const r of refs.filter((x) => x.service === svc)) (out[r.role] ??= []).push(r.node);
  return out;
}

export function formatUptime(sec: number | null): string {
  if (sec === null || Number.isNaN(sec)) return '-';
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${Math.floor((sec % 86400) / 3600)}h`;
}

/** A plain-text table; the console renders the same rows with Ink. */
export function formatStatusTable(s: ClusterStatus): string {
  const rows = [['NODE', 'SERVICE', 'ROLE', 'STATE', 'PID', 'PORT', 'HEALTH', 'UPTIME', 'CONFIG']];
  for (const d of s.daemons)
    rows.push([
      d.node, d.service, d.role, d.state, d.pid ? String(d.pid) : '-', d.ports.join(',') || '-',
      d.healthy === null ? (d.state === 'running' ? '?' : '-') : d.healthy ? `ok ${d.health}` : `FAIL ${d.health}`,
      formatUptime(d.uptimeSec), d.staleConfig ? 'stale config' : d.state === 'running' ? 'current' : '-',
    ]);
  const widths = rows[0].map((_, c) => Math.min(48, Math.max(...rows.map((r) => r[c].length))));
  const line = (r: string[]) => r.map((v, c) => (v.length > widths[c] ? v.slice(0, widths[c] - 1) + '…' : v.padEnd(widths[c]))).join('  ').trimEnd();
  const svc = s.services.map((x) => `${x.service}: ${x.healthy ? 'healthy' : 'NOT HEALTHY'} (${x.detail})`);
  return [...rows.map(line), '', ...svc].join('\n');
}
