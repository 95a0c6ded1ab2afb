// `etclab dashboard`: the big screen and the query page (static files of web/public and ECharts from
// node_modules: nothing from a CDN, the lab has no internet) and the JSON API, on one port. GET only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { toCsv } from '../query/csv.ts';
import { handleApi, type ApiContext } from '../query/api.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_REFRESH_SEC = 30;

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };
const HEADERS = {
  // Everything from this server, nothing inline but styles ECharts sets: a page that can only talk to its API.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** web/public next to this module, in the source tree and in the CLI bundle (which copies it). */
export function publicDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const d of [join(here, 'public'), join(here, 'web', 'public'), join(here, '..', '..', 'web', 'public')]) if (existsSync(join(d, 'index.html'))) return d;
  throw new Error(`web/public not found near ${here}`);
}

/** ECharts: beside the page in a node's bundle, else from node_modules in a checkout. */
function echartsFile(root: string): string {
  const shipped = join(root, 'vendor', 'echarts.min.js');
  return existsSync(shipped) ? shipped : createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
}

export function createDashboardServer(ctx: ApiContext): Server {
  const root = publicDir();
  const echarts = echartsFile(root);
  return createServer((req, res) => {
    // A failure nobody expected may quote a driver (hosts, users, SQL): its text goes to the log, not to the client.
    void serve(req, res, ctx, root, echarts).catch((e: Error) => {
      (ctx.log ?? console.error)(`${req.url ?? ''}: ${e.stack ?? e.message}`);
      send(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'internal', class: 'internal' }));
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

async function serve(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, root: string, echarts: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json; charset=utf-8', JSON.stringify({ error: 'read-only: GET only' }), { allow: 'GET, HEAD' });
  const url = new URL(req.url ?? '/', 'http://dashboard');
  if (url.pathname.startsWith('/api/')) {
    const r = await handleApi(url.pathname, url.searchParams, ctx);
    if (r.status === 200 && r.csv && url.searchParams.get('format') === 'csv') {
      const name = `${r.csv.file}.csv`;
      return send(res, 200, 'text/csv; charset=utf-8', toCsv(r.csv.columns, r.csv.rows), {
        'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      });
    }
    return send(res, r.status, 'application/json; charset=utf-8', JSON.stringify(r.body));
  }
  if (url.pathname === '/vendor/echarts.min.js') return send(res, 200, TYPES['.js']!, await readFile(echarts), { 'cache-control': 'max-age=3600' });
  // The two pages are one app: / is the big screen, /query the query page.
  const file = url.pathname === '/' || url.pathname === '/query' ? 'index.html' : url.pathname.slice(1);
  if (!/^[\w.-]+$/.test(file)) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  try {
    return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(join(root, file)));
  } catch {
    return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  }
}

export async function listen(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  return { host, port: typeof a === 'object' && a ? a.port : port };
}
