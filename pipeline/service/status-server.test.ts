// The status endpoints answer anyone who reaches 9470/9471: a store failure whose text names a host, a user and a
// password reaches the HTTP body only as its class and store, and the daemon's own log keeps the text.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplyError } from 'ioredis';
import { EwmaFlowDetector } from '../core/flow-warning.ts';
import type { HbaseSink } from '../sinks/hbase.ts';
import type { MysqlSink } from '../sinks/mysql.ts';
import type { RedisSink } from '../sinks/redis.ts';
import { PipelineConsumer } from './consumer.ts';
import { startStatusServer, type ConsumerStatus } from './status-server.ts';
import { FlowWarner } from './warner.ts';

const HOST = '10.213.7.11';
const USER = 'etc_app';
const PASSWORD = "p@ss'w0rd-Ü$9x";
const LEAKS = [HOST, USER, PASSWORD, 'Access denied', 'WRONGPASS', '/opt/etclab'];

/** As mysql2 raises it: the server's text, with the code and errno set. */
const accessDenied = () =>
  Object.assign(new Error(`Access denied for user '${USER}'@'${HOST}' (using password: YES) [${PASSWORD}] in /opt/etclab/conf/consumer.json`), {
    code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlState: '28000', sqlMessage: 'Access denied',
  });

let server: Server | null = null;
afterEach(() => void server?.close());

async function serve(status: () => ConsumerStatus): Promise<string> {
  server = await startStatusServer('127.0.0.1', 0, status, () => {});
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectNoLeak(body: string): void {
  for (const s of LEAKS) expect(body, s).not.toContain(s);
}

describe('status endpoint errors', () => {
  it("the warner's: MySQL refusing its user is auth-failed on mysql, the text only in the log", async () => {
    const log: string[] = [];
    const mysql = { flowProgress: () => Promise.reject(accessDenied()) } as unknown as MysqlSink;
    const warner = new FlowWarner({ mysql, redis: {} as RedisSink, group: 'g', topic: 't', partitions: 3, finalMs: 300_000, detector: () => new EwmaFlowDetector(), log: (l) => log.push(l), intervalMs: 10_000 });
    warner.start();
    try {
      const url = await serve(() => warner.status());
      await until(() => log.length > 0);
      const body = await (await fetch(url)).text();
      expectNoLeak(body);
      expect(JSON.parse(body).lastError).toEqual({ class: 'auth-failed', store: 'mysql' });
      expect(log.join('\n')).toContain(`'${USER}'@'${HOST}'`);
    } finally {
      await warner.stop();
    }
  });

  it("the consumer's: each store's failure while a chunk is retried, then none once it is written", async () => {
    const log: string[] = [];
    let failing: 'hbase' | 'redis' | 'mysql' | null = 'hbase';
    const hbase = { put: async () => { if (failing === 'hbase') throw new Error(`HBase thrift ${HOST}:8085: connect ECONNREFUSED ${HOST}:8085`); } } as unknown as HbaseSink;
    const redis = {
      apply: async () => {
        if (failing === 'redis') throw new ReplyError(`WRONGPASS invalid username-password pair or user is disabled. (${USER}:${PASSWORD})`);
        return { applied: 0 };
      },
    } as unknown as RedisSink;
    const mysql = {
      apply: async () => {
        if (failing === 'mysql') throw accessDenied();
        return { applied: 0, skipped: 0, duplicates: [], recovered: 0 };
      },
    } as unknown as MysqlSink;
    // kafkajs connects only on start(): the brokers are never dialled here.
    const consumer = new PipelineConsumer({ brokers: [`${HOST}:9092`], topic: 't', group: 'g', mysql, redis, hbase, log: (l) => log.push(l), maxBackoffMs: 50 });
    const inner = consumer as unknown as {
      write: (p: number, r: unknown[], next: number, mark: undefined) => () => Promise<void>;
      retry: (what: string, fn: () => Promise<void>) => Promise<void>;
    };
    const url = await serve(() => consumer.status());
    const written = inner.retry('t[0] 0..9', inner.write(0, [], 10, undefined));
    const expected = { hbase: 'store-unreachable', redis: 'auth-failed', mysql: 'auth-failed' } as const;
    for (const store of ['hbase', 'redis', 'mysql'] as const) {
      failing = store;
      await until(() => log.some((l) => l.includes(`${store}: `)));
      const body = await (await fetch(url)).text();
      expectNoLeak(body);
      expect(JSON.parse(body).lastError).toEqual({ class: expected[store], store });
    }
    failing = null;
    await written;
    expect(JSON.parse(await (await fetch(url)).text()).lastError).toBeNull();
    // The log keeps what the operator needs.
    expect(log.join('\n')).toContain(`ECONNREFUSED ${HOST}:8085`);
    expect(log.join('\n')).toContain('WRONGPASS');
  });

  it('a status that cannot be built is a 500 saying internal, nothing more', async () => {
    const log: string[] = [];
    server = await startStatusServer('127.0.0.1', 0, () => { throw new Error(`cannot read /opt/etclab/conf/consumer.json as ${USER}@${HOST}`); }, (l) => log.push(l));
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(r.status).toBe(500);
    const body = await r.text();
    expectNoLeak(body);
    expect(JSON.parse(body)).toEqual({ error: 'internal' });
    expect(log[0]).toContain(HOST);
  });
});
