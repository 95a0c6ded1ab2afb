// The consumer's status as JSON over HTTP: what its health probe, `etclab pipeline status` and the console
// read. No secrets, no control: a GET of anything returns the same document.
import { createServer, type Server } from 'node:http';

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
  lastError: string | null;
  [more: string]: unknown;
}

export function startStatusServer(host: string, port: number, status: () => ConsumerStatus): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status()));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`status endpoint ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve(server));
  });
}
