// What a bare node needs before any service on it is configured: the Debian/Ubuntu packages of every
// service placed there plus a JDK 17 (or a check of the inventory's own javaHome), and the Node.js runtime
// the Node daemons run on. Pure: one packages step and one runtime step per node, which that node's
// service steps wait for.
import { nodeRuntime, nodeRuntimeSync } from '../artifacts/node-runtime.ts';
import { JAVA_PACKAGE } from '../inventory/defaults.ts';
import type { Inventory, NodeSpec } from '../inventory/types.ts';
import type { ServiceModule } from '../services/types.ts';
import { q } from './daemon-scripts.ts';
import type { Step } from './types.ts';

/** The pseudo-services of these steps, as progress lines and `--json` name them. */
export const PACKAGES = 'packages';
export const NODEJS = 'nodejs';

/** Services (of `modules`) with any role on `node`. */
function servicesOn(inv: Inventory, modules: ServiceModule[], node: NodeSpec): ServiceModule[] {
  return modules.filter((m) => Object.values(inv.services[m.name]?.roles ?? {}).some((names) => names.includes(node.name)));
}

/** Whether a Node.js service uses the runtime etclab ships (the inventory did not name its own `node`). */
export const shipsNodeRuntime = (inv: Inventory, m: ServiceModule) =>
  m.runtime === 'nodejs' && inv.services[m.name]?.settings.node === undefined;

/** The node's Debian packages, sorted: every placed service's, and the JDK where the inventory named none. */
export function nodePackages(inv: Inventory, modules: ServiceModule[], node: NodeSpec): string[] {
  const on = servicesOn(inv, modules, node);
  const pkgs = new Set(on.flatMap((m) => m.packages ?? []));
  if (node.javaFrom === 'package' && on.some((m) => m.runtime === 'java')) pkgs.add(JAVA_PACKAGE);
  return [...pkgs].sort();
}

/**
 * Installs what is missing, one dpkg run per node. A node without apt (not Debian/Ubuntu) or a failed
 * install names the node, the packages and apt's last lines. The packages' own services stay off: etclab
 * runs every daemon from the node's base directory.
 */
export function packagesScript(node: NodeSpec, packages: string[], javaCheck: boolean): string {
  const list = packages.join(' ');
  const java = `${node.javaHome}/bin/java`;
  return `set -u
missing=""
${packages.length ? `for p in ${list}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done` : ''}
if [ -n "$missing" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -sr)
    echo "${node.name}: no apt-get ($os is not Debian/Ubuntu): install$missing yourself, then run etclab up again" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d "$log"' EXIT; fi
  apt_install() { apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 install -y -q --no-install-recommends $missing >> "$log" 2>&1; }
  # An empty or stale package index (a fresh machine) is refreshed once, then the install is tried again.
  if ! apt_install && ! { apt-get -o DPkg::Lock::Timeout=600 update -q >> "$log" 2>&1 && apt_install; }; then
    # The first errors say why (a failed postinst); the tail only lists what was left unconfigured.
    echo "${node.name}: apt-get install$missing failed; apt's first errors, then its last lines:" >&2
    grep -m 8 -i -B 2 'error' "$log" | tr -d '\r' >&2; echo "…" >&2; tail -n 12 "$log" | tr -d '\r' >&2; exit 1
  fi
  echo "ETCLAB_CHANGED installed$missing"
fi
${javaCheck ? `if ! ${q(java)} -version 2>&1 | grep -q 'version "\\(1[7-9]\\|[2-9][0-9]\\)'; then
  echo "${node.name}: ${java} is not a JDK 17 or newer (nodes.${node.name}.javaHome in the inventory): $(${q(java)} -version 2>&1 | head -n 1)" >&2; exit 1
fi
echo "ETCLAB_UNCHANGED java at ${node.javaHome}"` : ''}
[ -n "$missing" ] || echo "ETCLAB_UNCHANGED packages present: ${list || 'none needed'}"
`;
}

/**
 * Per node in scope: `packages/<node>/install` (when it has packages or a JDK to check) and
 * `nodejs/<node>/install` (when a Node.js service there uses the shipped runtime). Returns the steps and,
 * per node, the ids its service steps must wait for.
 */
export function nodeSetupSteps(inv: Inventory, modules: ServiceModule[], nodes: NodeSpec[]): { steps: Step[]; depsOf: Map<string, string[]> } {
  const steps: Step[] = [];
  const depsOf = new Map<string, string[]>();
  for (const node of nodes) {
    const on = servicesOn(inv, modules, node);
    if (!on.length) continue;
    const ids: string[] = [];
    const packages = nodePackages(inv, modules, node);
    const javaCheck = node.javaFrom !== 'package' && on.some((m) => m.runtime === 'java');
    if (packages.length || javaCheck) {
      const id = `${PACKAGES}/${node.name}/install`;
      steps.push({
        id, service: PACKAGES, node: node.name, phase: 'install',
        title: `install packages on ${node.name}${packages.length ? ` (${packages.join(' ')})` : ''}`,
        action: { kind: 'shell', script: packagesScript(node, packages, javaCheck) },
        deps: [], timeoutSec: 1200, estimateSec: 5,
      });
      ids.push(id);
    }
    if (on.some((m) => shipsNodeRuntime(inv, m))) {
      const id = `${NODEJS}/${node.name}/install`;
      steps.push({
        id, service: NODEJS, node: node.name, phase: 'install', title: `install Node.js ${nodeRuntime().version} on ${node.name}`,
        action: nodeRuntimeSync(node), deps: [], timeoutSec: 600, estimateSec: 2,
      });
      ids.push(id);
    }
    depsOf.set(node.name, ids);
  }
  return { steps, depsOf };
}
