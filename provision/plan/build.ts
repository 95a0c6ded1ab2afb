// Turns an inventory and the service modules into one plan. Pure: no I/O, no secrets (only placeholders).
import type { Inventory, NodeSpec, ServiceSpec } from '../inventory/types.ts';
import type { Daemon, DaemonContext, ServiceModule } from '../services/types.ts';
import { CLUSTER, type FileSpec, type Operation, type Plan, type Step } from './types.ts';
import { startScript, stopScript } from './daemon-scripts.ts';
import { startOrder } from '../services/start-order.ts';
import { nodeSetupSteps } from './node-setup.ts';

export interface PlanOptions {
  /** Only these services (others are assumed to be in the state the operation needs). */
  services?: string[];
  /** Only daemons on these nodes. */
  nodes?: string[];
}

export interface DaemonRef {
  service: string;
  role: string;
  node: NodeSpec;
  home: string;
  daemon: Daemon;
  module: ServiceModule;
}

export function serviceHome(node: NodeSpec, service: string): string {
  return `${node.baseDir}/${service}`;
}

export function membersOf(inv: Inventory, spec: ServiceSpec): Record<string, NodeSpec[]> {
  const byName = new Map(inv.nodes.map((n) => [n.name, n]));
  return Object.fromEntries(
    Object.entries(spec.roles).map(([role, names]) => [role, names.map((n) => byName.get(n)!).filter(Boolean)]),
  );
}

/** Services of the inventory in module order (the registry's order is the documented start order). */
export function servicesIn(inv: Inventory, modules: ServiceModule[]): ServiceModule[] {
  return modules.filter((m) => inv.services[m.name]);
}

/** Every daemon of the inventory, in start order within each service. */
export function daemonsOf(inv: Inventory, modules: ServiceModule[]): DaemonRef[] {
  const out: DaemonRef[] = [];
  for (const module of servicesIn(inv, modules)) {
    const spec = inv.services[module.name];
    const members = membersOf(inv, spec);
    for (const role of tiersOf(module).flat()) {
      for (const node of members[role] ?? []) {
        const home = serviceHome(node, module.name);
        const ctx: DaemonContext = { inventory: inv, spec, service: module.name, role, node, home, members };
        out.push({ service: module.name, role, node, home, daemon: module.daemon(ctx), module });
      }
    }
  }
  return out;
}

export function tiersOf(m: ServiceModule): string[][] {
  return m.roleTiers ?? [m.roles];
}

/**
 * What a daemon's configure step writes and its config digest covers: its files plus its command line and
 * environment (a file beside its pid), so a new heap or flag makes it stale like an edited file does.
 */
export function daemonConfigFiles(home: string, role: string, d: Daemon): FileSpec[] {
  const env = Object.entries(d.env ?? {}).map(([k, v]) => `${k}=${v}\n`).join('');
  return [...d.files, { path: `${home}/run/${role}.command`, mode: 0o644, content: `${env}${d.command}\n` }];
}

const sid = (service: string, node: string, phase: string, role?: string) =>
  `${service}/${node}/${phase}${role ? `:${role}` : ''}`;

export function buildPlan(inv: Inventory, operation: Operation, modules: ServiceModule[], opts: PlanOptions = {}): Plan {
  // Start order whatever order the caller listed the modules in: upSteps needs a service's `after` first.
  const selected = startOrder(servicesIn(inv, modules).filter((m) => !opts.services || opts.services.includes(m.name)), true);
  const steps =
    operation === 'up' || operation === 'start'
      ? upSteps(inv, selected, opts)
      : operation === 'down' || operation === 'stop'
        ? downSteps(inv, selected, opts)
        : [];
  return { operation, cluster: inv.cluster, steps };
}

function upSteps(inv: Inventory, modules: ServiceModule[], opts: PlanOptions): Step[] {
  const steps: Step[] = [];
  const inScope = (n: NodeSpec) => !opts.nodes || opts.nodes.includes(n.name);
  /** Ids of the steps after which a service counts as up. */
  const readyBySvc = new Map<string, string[]>();
  const setup = nodeSetupSteps(inv, modules, inv.nodes.filter(inScope));
  steps.push(...setup.steps);
  const setupOf = (node: NodeSpec) => setup.depsOf.get(node.name) ?? [];
  for (const module of modules) {
    const svc = module.name;
    const spec = inv.services[svc];
    const members = membersOf(inv, spec);
    // Other services this one waits for (only those in this plan: a partial plan trusts the rest is up).
    const afterIds = module.after.flatMap((a) => readyBySvc.get(a) ?? []);
    const nodes = [...new Map(Object.values(members).flat().map((n) => [n.name, n])).values()].filter(inScope);

    const installIds = new Map<string, string>();
    for (const node of nodes) {
      const action = module.install?.({ inventory: inv, spec, service: svc, node, home: serviceHome(node, svc), members });
      if (!action) continue;
      const id = sid(svc, node.name, 'install');
      installIds.set(node.name, id);
      steps.push({ id, service: svc, node: node.name, phase: 'install', title: `install ${svc} on ${node.name}`, action, deps: setupOf(node), timeoutSec: 900, estimateSec: 5 });
    }

    let prevTier: string[] = [];
    const allHealth: string[] = [];
    for (const tier of tiersOf(module)) {
      const thisTier: string[] = [];
      for (const role of tier) {
        for (const node of (members[role] ?? []).filter(inScope)) {
          const home = serviceHome(node, svc);
          const d = module.daemon({ inventory: inv, spec, service: svc, role, node, home, members });
          const label = role === 'server' ? svc : `${svc} ${role}`;
          const configure = sid(svc, node.name, 'configure', role);
          const start = sid(svc, node.name, 'start', role);
          const install = installIds.get(node.name);
          steps.push({
            id: configure, service: svc, node: node.name, role, phase: 'configure', title: `configure ${label} on ${node.name}`,
            action: { kind: 'files', files: daemonConfigFiles(home, role, d), digest: `${home}/run/${role}.config.sha256` },
            deps: install ? [install] : setupOf(node), timeoutSec: 60, estimateSec: 0.3,
          });
          steps.push({
            id: start, service: svc, node: node.name, role, phase: 'start', title: `start ${label} on ${node.name}`,
            action: { kind: 'shell', script: startScript(role, home, d) },
            deps: [configure, ...afterIds, ...prevTier], timeoutSec: 300, estimateSec: 2,
          });
          let done = start;
          if (d.probe) {
            done = sid(svc, node.name, 'health', role);
            steps.push({
              id: done, service: svc, node: node.name, role, phase: 'health', title: `check ${label} on ${node.name}`,
              action: { kind: 'probe', probe: d.probe }, deps: [start], timeoutSec: 180, estimateSec: 3,
            });
          }
          thisTier.push(done);
          allHealth.push(done);
        }
      }
      if (thisTier.length) prevTier = thisTier;
    }
    const probe = opts.nodes ? null : module.clusterProbe?.({ inventory: inv, spec, members });
    if (probe && allHealth.length) {
      const id = sid(svc, CLUSTER, 'health');
      steps.push({
        id, service: svc, node: CLUSTER, phase: 'health', title: `check ${svc} cluster`,
        action: { kind: 'probe', probe }, deps: allHealth, timeoutSec: 180, estimateSec: 2,
      });
      readyBySvc.set(svc, [id]);
    } else readyBySvc.set(svc, allHealth);
  }
  return steps;
}

function downSteps(inv: Inventory, modules: ServiceModule[], opts: PlanOptions): Step[] {
  const steps: Step[] = [];
  const inScope = (n: NodeSpec) => !opts.nodes || opts.nodes.includes(n.name);
  const stopIdsBySvc = new Map<string, string[]>();
  // Reverse start order: a service stops after every service that needs it has stopped.
  for (const module of [...modules].reverse()) {
    const svc = module.name;
    const spec = inv.services[svc];
    const members = membersOf(inv, spec);
    const dependents = modules.filter((m) => m.after.includes(svc)).flatMap((m) => stopIdsBySvc.get(m.name) ?? []);
    let prevTier: string[] = [];
    const ids: string[] = [];
    for (const tier of [...tiersOf(module)].reverse()) {
      const thisTier: string[] = [];
      for (const role of tier) {
        for (const node of (members[role] ?? []).filter(inScope)) {
          const home = serviceHome(node, svc);
          const d = module.daemon({ inventory: inv, spec, service: svc, role, node, home, members });
          const id = sid(svc, node.name, 'stop', role);
          const label = role === 'server' ? svc : `${svc} ${role}`;
          steps.push({
            id, service: svc, node: node.name, role, phase: 'stop', title: `stop ${label} on ${node.name}`,
            action: { kind: 'shell', script: stopScript(role, home, d.stopGraceSec ?? 20) },
            deps: [...dependents, ...prevTier], timeoutSec: (d.stopGraceSec ?? 20) + 30, estimateSec: 1,
          });
          thisTier.push(id);
          ids.push(id);
        }
      }
      if (thisTier.length) prevTier = thisTier;
    }
    stopIdsBySvc.set(svc, ids);
  }
  return steps;
}
