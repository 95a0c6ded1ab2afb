// The consumer's status as JSON over HTTP: what its health probe, `etclab pipeline status` and the console
// read. No secrets, no control: a GET of anything returns the same document. Anyone who reaches the port may
// read it, so a failure appears as its class and store (core/error-class.ts); the text stays in the log.
import { createServer, type Server } from 'node:http';
import { messageOf, type ErrorSummary } from '../core/error-class.ts';

export interface ConsumerStatus {
  state: 'starting' | 'consuming' | 'stopping';
  topic: string;
  group: string;
  partitions: number[];
  records: number;
  batches: number;
  lag: number;
  /** Records per second over the last few seconds. */
  rate: number;
  uptimeSec: number;
  /** What the work is retrying on, e.g. { class: 'store-unreachable', store: 'redis' }. */
  lastError: ErrorSummary | null;
  [more: string]: unknown;
}

export function startStatusServer(host: string, port: number, status: () => ConsumerStatus, log: (line: string) => void = console.error): Promise<Server> {
  const server = createServer((_req, res) => {
    let body: string;
    try {
      body = JSON.stringify(status());
    } catch (e) {
      log(`status endpoint: ${messageOf(e)}`);
      res.writeHead(500, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'internal' }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`status endpoint ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve(server));
  });
}
