// `etclab console`: the full-screen ops view (console/), on the same inventory, plan, executor and status
// code as the other commands.
import type { Command } from 'commander';
import { createElement } from 'react';
import { serviceModules } from '../../provision/services/registry.ts';
import { loadClusterInventory, UserError } from '../context.ts';
import { openLiveConsole } from '../../console/live.ts';

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

const seconds = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1) throw new UserError(`${name} must be a number of seconds ≥ 1, got "${v}"`);
  return n;
};

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('full-screen live view: health table, start/stop/restart, logs, metrics, reset, replay (keys shown on screen)')
    .option('--refresh <s>', 'status refresh interval in seconds', seconds('--refresh'), 3)
    .action(async (o: { refresh: number }) => {
      if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UserError('etclab console needs a terminal; for scripts use `etclab status --json`');
      const inv = await loadClusterInventory(program.opts().inventory);
      // Ink renders only its last frame when CI/CONTINUOUS_INTEGRATION is set (it reads them once, at import).
      // This command has just checked it runs in a terminal, so a CI variable inherited from a build shell
      // must not leave the screen blank: clear them, then load Ink.
      for (const v of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[v];
      const [{ render }, { FullScreenConsole }] = await Promise.all([import('ink'), import('../../console/ui/FullScreen.tsx')]);
      const live = openLiveConsole(inv, serviceModules);
      process.stdout.write(ENTER_ALT);
      const leave = () => process.stdout.write(LEAVE_ALT);
      process.once('exit', leave);
      try {
        const app = render(
          createElement(FullScreenConsole, {
            cluster: live.cluster,
            loadStatus: live.loadStatus,
            readLog: live.readLog,
            actions: live.actions,
            metrics: live.metrics,
            refreshMs: o.refresh * 1000,
          }),
          { incrementalRendering: false, exitOnCtrlC: true },
        );
        await app.waitUntilExit();
      } finally {
        await live.close();
        leave();
        process.off('exit', leave);
      }
    });
}
