import { loadInventory } from '../../provision/inventory/load.ts';
import { serviceModules } from '../../provision/services/registry.ts';
const inv = await loadInventory('/var/lib/etclab-lab/inventory.yaml', serviceModules);
for (const s of ['kafka', 'redis', 'hbase', 'proxy', 'mariadb']) console.log(s, JSON.stringify(inv.services[s]!.ports), JSON.stringify(inv.services[s]!.roles), JSON.stringify(inv.services[s]!.settings), JSON.stringify(inv.services[s]!.secrets));
console.log(inv.nodes.map((n) => n.name + '=' + n.address));
