// `etclab ports [--json]`: every listener etclab starts, per node, which of them ask for nothing, and an
// nftables rule set that lets only the cluster reach those (provision/plan/listeners.ts).
import type { Command } from 'commander';
import type { Inventory } from '../../provision/inventory/types.ts';
import { listenersOf, nftRules, type Listener } from '../../provision/plan/listeners.ts';
import { serviceModules } from '../../provision/services/registry.ts';
import { loadClusterInventory } from '../context.ts';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function formatPorts(inv: Inventory, ls: Listener[]): string {
  const out: string[] = [];
  for (const n of inv.nodes) {
    const mine = ls.filter((l) => l.node === n.name);
    if (mine.length === 0) continue;
    out.push(`${n.name} (${n.address})`);
    const rows = [['port', 'service/role', 'what', 'protocol', 'bind', 'auth', 'who reaches it can']];
    for (const l of mine)
      rows.push([String(l.port), `${l.service}/${l.role}`, l.what, l.protocol, l.bind === l.address ? 'node' : l.bind, l.authenticated ? 'yes' : 'NONE', l.note]);
    out.push(...table(rows).map((r) => `  ${r}`), '');
  }
  const open = [...new Set(ls.filter((l) => !l.authenticated).map((l) => l.port))].sort((a, b) => a - b);
  const wild = ls.filter((l) => l.bind !== l.address).map((l) => `${l.node} ${l.bind}:${l.port} (${l.service})`);
  out.push(`unauthenticated: ${open.join(', ')}`);
  out.push(`not on the node's address: ${wild.length ? wild.join(', ') : 'none'}`);
  out.push('', 'suggested nftables rules (allow the cluster, loopback and the operators set on those ports):', '', nftRules(inv, ls));
  return out.join('\n');
}

export function registerPortsCommand(program: Command): void {
  program
    .command('ports')
    .description('every port etclab listens on, per node: what it is, its bind address, whether it asks for a password; and nftables rules to fence the open ones')
    .option('--json', 'the listeners and the rules as JSON')
    .action(async (o: { json?: boolean }) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const ls = listenersOf(inv, serviceModules);
      console.log(o.json ? JSON.stringify({ cluster: inv.cluster, listeners: ls, nftables: nftRules(inv, ls) }, null, 2) : formatPorts(inv, ls));
    });
}
