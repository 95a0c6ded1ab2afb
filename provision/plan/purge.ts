// `etclab down --purge`: after everything is stopped, each service's data and log directories on every node
// where it runs, so the next `up` starts from nothing (NameNode formatted again, topics and tables gone).
// Pure data like every plan; a step refuses to remove anything while a daemon of its service still runs.
import type { Inventory } from '../inventory/types.ts';
import type { ServiceModule } from '../services/types.ts';
import { daemonPaths, q } from './daemon-scripts.ts';
import { daemonsOf, serviceHome } from './build.ts';
import type { Plan, Step } from './types.ts';

export interface PurgeTarget {
  node: string;
  service: string;
  dirs: string[];
  /** Pid files of the service's daemons on that node: none may point at a live process. */
  pids: string[];
}

export function purgeTargets(inv: Inventory, modules: ServiceModule[]): PurgeTarget[] {
  const by = new Map<string, PurgeTarget>();
  for (const d of daemonsOf(inv, modules)) {
    const key = `${d.node.name}/${d.service}`;
    const home = serviceHome(d.node, d.service);
    const t = by.get(key) ?? by.set(key, { node: d.node.name, service: d.service, dirs: [`${home}/data`, `${home}/logs`, `${home}/tmp`], pids: [] }).get(key)!;
    t.pids.push(daemonPaths(home, d.role).pid);
  }
  return [...by.values()];
}

export function buildPurgePlan(inv: Inventory, modules: ServiceModule[]): Plan {
  const steps: Step[] = purgeTargets(inv, modules).map((t) => ({
    id: `${t.service}/${t.node}/purge`,
    service: t.service,
    node: t.node,
    phase: 'purge',
    title: `remove ${t.service} data and logs on ${t.node}`,
    action: {
      kind: 'shell',
      script: `set -eu
for p in ${t.pids.map(q).join(' ')}; do
  if [ -s "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; then echo "refusing to purge: $p names a running process (etclab down first)" >&2; exit 1; fi
done
gone=""
for d in ${t.dirs.map(q).join(' ')}; do if [ -e "$d" ]; then rm -rf -- "$d"; gone="$gone $d"; fi; done
if [ -n "$gone" ]; then echo "ETCLAB_CHANGED removed$gone"; else echo "ETCLAB_UNCHANGED nothing to remove"; fi
`,
    },
    deps: [],
    timeoutSec: 120,
    estimateSec: 1,
  }));
  return { operation: 'purge', cluster: inv.cluster, steps };
}
