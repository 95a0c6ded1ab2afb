// `etclab lab up|down|status`: the three local hosts (network namespaces with their own sshd).
import type { Command } from 'commander';
import { labDown, labStatus, labUp, type LabStatus } from '../../provision/lab/lab.ts';
import { EXIT } from '../exit-codes.ts';

function formatLab(st: LabStatus): string {
  const lines = [`lab ${st.up ? 'up' : 'DOWN'}${st.mode ? ` with ${st.mode} nodes` : ''} (${st.dir}); bridge ${st.bridgePresent ? st.bridgeAddress ?? 'present' : 'missing'}; inventory ${st.inventoryPresent ? st.inventory : 'missing'}`];
  for (const n of st.nodes) lines.push(`  ${n.name.padEnd(6)} ${n.namespacePresent ? n.namespace : 'no namespace'}  ${n.address ?? `no address (want ${n.expectedAddress})`}  sshd ${n.sshdAlive ? `pid ${n.sshdPid}` : 'down'}${n.sshReachable ? ', answers on 22' : ''}${st.mode === 'isolated' ? `; own root ${n.rootHolderPid ? `(holder pid ${n.rootHolderPid})` : 'MISSING'}` : ''}`);
  return lines.join('\n');
}

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('the local three-node lab (network namespaces node1..node3 with sshd)');
  const log = (l: string) => console.error(l);
  lab
    .command('up')
    .description('make node1..node3 (idempotent) and write their inventory')
    .option('--isolated', 'each node its own root filesystem (a minimal Debian): `etclab up` installs the JDK, packages and Node.js on it, as on a fresh machine')
    .option('--shared', 'the nodes share this machine\'s filesystem and its packages (faster)')
    .action(async (o: { isolated?: boolean; shared?: boolean }) => {
      if (o.isolated && o.shared) throw new Error('lab up: --isolated and --shared exclude each other');
      const info = await labUp({ log, mode: o.isolated ? 'isolated' : o.shared ? 'shared' : undefined });
      console.error(`lab is up (${info.mode} nodes); inventory: ${info.inventory}\nnext: etclab up`);
    });
  lab
    .command('down')
    .description('remove the lab: every process, namespace, link and file it made, nothing else')
    .action(async () => {
      await labDown({ log });
    });
  lab
    .command('status')
    .description('namespaces, addresses, sshd; exits 3 when the lab is not (completely) up')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      const st = await labStatus();
      console.log(o.json ? JSON.stringify(st, null, 2) : formatLab(st));
      if (!st.up) process.exitCode = EXIT.unhealthy;
    });
}
