// `etclab dashboard`: the big screen, the query page and the JSON API on one port (default localhost:8080).
import type { Command } from 'commander';
import { loadClusterInventory, UserError } from '../context.ts';

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the big screen (/), the query page (/query) and the JSON API (/api/…) from the pipeline\'s stores, read-only')
    .option('--port <n>', 'port', '8080')
    .option('--bind <address>', 'address to listen on (default: localhost only; give the node\'s address to show it on the network)', '127.0.0.1')
    .option('--refresh <sec>', 'the big screen\'s refresh interval', '30')
    .action(async (o: { port: string; bind: string; refresh: string }) => {
      const port = Number(o.port);
      const refresh = Number(o.refresh);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number, got ${o.port}`);
      if (!(refresh >= 1 && refresh <= 3600)) throw new UserError(`--refresh must be 1 to 3600 seconds, got ${o.refresh}`);
      const inv = await loadClusterInventory(program.opts().inventory);
      const { openQueries } = await import('../../ops/dashboard.ts');
      const { createDashboardServer, listen } = await import('../../web/server.ts');
      const q = openQueries(inv, refresh);
      const server = createDashboardServer(q.ctx);
      let at;
      try {
        at = await listen(server, o.bind, port);
      } catch (e) {
        await q.close();
        throw new UserError(`cannot listen on ${o.bind}:${port}: ${(e as Error).message}`);
      }
      console.error(`dashboard of ${inv.cluster}: http://${at.host}:${at.port}/ (big screen), /query (query page), /api/… — read-only; Ctrl-C stops it`);
      const stop = () => {
        server.close();
        void q.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
