// The classifier against errors the drivers really raise: mysql2, ioredis, kafkajs and the HBase Thrift client
// connecting to a closed port and to one that never answers, and against servers on 127.0.0.1 that answer with
// MySQL's and Redis' own error packets; the rest are the drivers' own error classes built as they build them.
import net from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { Kafka, KafkaJSSASLAuthenticationError, logLevel } from 'kafkajs';
import { connect as hbaseConnect } from '../hbase/client.ts';
import { MessageError } from '../sinks/message.ts';
import { classifyError, inStore, StoreFailure, storeOf, summarize } from './error-class.ts';
import { listenLocal, mysqlRefusing, redisReplying } from '../../test/fake-servers.ts';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
const Hbase1 = require('../hbase/gen/thrift1/Hbase_types.js') as Record<string, new (a: { message: string }) => Error>;

const HOST = '127.0.0.1';
const listening = listenLocal;

async function mysqlError(port: number, connectTimeout = 2000): Promise<unknown> {
  return mysql.createConnection({ host: HOST, port, user: 'etc_app', password: 'pw-xyz', connectTimeout }).then(
    (c) => (void c.destroy(), new Error('connected')),
    (e: unknown) => e,
  );
}

async function redisError(port: number, run: (r: Redis) => Promise<unknown>, o: { commandTimeout?: number } = {}): Promise<unknown> {
  const r = new Redis({ host: HOST, port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0, ...o });
  r.on('error', () => {});
  try {
    await r.connect();
    return await run(r).then(() => new Error('answered'), (e: unknown) => e);
  } catch (e) {
    return e;
  } finally {
    r.disconnect();
  }
}

const kafkaError = (port: number) =>
  new Kafka({ brokers: [`${HOST}:${port}`], retry: { retries: 0 }, logLevel: logLevel.NOTHING, requestTimeout: 300, connectionTimeout: 300 })
    .admin()
    .connect()
    .then(() => new Error('connected'), (e: unknown) => e);

describe('error classes of real driver errors', () => {
  let closed = 0;
  const silent = net.createServer(() => {});
  let quiet = 0;
  beforeAll(async () => {
    const s = net.createServer();
    closed = await listening(s);
    await new Promise((r) => s.close(r));
    quiet = await listening(silent);
  });
  afterAll(() => void silent.close());

  it('nothing listening: store-unreachable from every driver', async () => {
    expect(classifyError(await mysqlError(closed))).toBe('store-unreachable');
    expect(classifyError(await redisError(closed, (r) => r.ping()))).toBe('store-unreachable');
    expect(classifyError(await kafkaError(closed))).toBe('store-unreachable');
    expect(classifyError(await hbaseConnect(HOST, closed, { timeoutMs: 1000 }).then(() => new Error('connected'), (e: unknown) => e))).toBe('store-unreachable');
    expect(classifyError(await fetch(`http://${HOST}:${closed}/`).then(() => new Error('answered'), (e: unknown) => e))).toBe('store-unreachable');
  });

  it('a peer that never answers: timeout from every driver', async () => {
    expect(classifyError(await mysqlError(quiet, 300))).toBe('timeout');
    expect(classifyError(await redisError(quiet, (r) => r.get('k'), { commandTimeout: 300 }))).toBe('timeout');
    expect(classifyError(await kafkaError(quiet))).toBe('timeout');
    const hbase = await hbaseConnect(HOST, quiet, { timeoutMs: 300 });
    try {
      expect(classifyError(await hbase.getTableNames().then(() => new Error('answered'), (e: unknown) => e))).toBe('timeout');
    } finally {
      hbase.close();
    }
    expect(classifyError(await fetch(`http://${HOST}:${quiet}/`, { signal: AbortSignal.timeout(300) }).then(() => new Error('answered'), (e: unknown) => e))).toBe('timeout');
  });

  it('MySQL and ShardingSphere-Proxy ERR packets, as mysql2 raises them', async () => {
    const cases: Array<[number, string, string, string]> = [
      [1045, '28000', "Access denied for user 'etc_app'@'10.213.7.11' (using password: YES)", 'auth-failed'],
      [1044, '42000', "Access denied for user 'etc_ro'@'%' to database 'etc'", 'auth-failed'],
      [1142, '42000', "SELECT command denied to user 'etc_ro'@'10.213.7.11' for table 'etc_offsets'", 'auth-failed'],
      [1040, '08004', 'Too many connections', 'store-unreachable'],
      [1146, '42S02', "Table 'etc.etc_passage' doesn't exist", 'store-error'],
      [1406, '22001', "Data too long for column 'HPHM' at row 1", 'bad-data'],
      [1205, 'HY000', 'Lock wait timeout exceeded; try restarting transaction', 'timeout'],
    ];
    for (const [errno, state, message, cls] of cases) {
      const server = mysqlRefusing(errno, state, message);
      const port = await listening(server);
      try {
        const e = await mysqlError(port);
        expect((e as Error).message).toBe(message);
        expect(classifyError(e), message).toBe(cls);
      } finally {
        server.close();
      }
    }
  });

  it('Redis error replies, as ioredis raises them', async () => {
    const cases: Array<[string, (r: Redis) => Promise<unknown>, string]> = [
      ['NOAUTH Authentication required.', (r) => r.get('etc:total'), 'auth-failed'],
      ['WRONGPASS invalid username-password pair or user is disabled.', (r) => r.call('AUTH', 'etc_app', 'pw-xyz'), 'auth-failed'],
      ["NOPERM User etc_ro has no permissions to run the 'set' command", (r) => r.set('etc:x', '1'), 'auth-failed'],
      ['ERR AUTH <password> called without any password configured for the default user.', (r) => r.call('AUTH', 'pw-xyz'), 'auth-failed'],
      ['LOADING Redis is loading the dataset in memory', (r) => r.get('etc:total'), 'store-unreachable'],
      ["OOM command not allowed when used memory > 'maxmemory'.", (r) => r.set('etc:x', '1'), 'store-error'],
      ['WRONGTYPE Operation against a key holding the wrong kind of value', (r) => r.hget('etc:total', 'x'), 'bad-data'],
    ];
    for (const [reply, run, cls] of cases) {
      const server = redisReplying(reply);
      const port = await listening(server);
      try {
        const e = await redisError(port, run);
        expect((e as Error).name).toBe('ReplyError');
        expect(classifyError(e), reply).toBe(cls);
      } finally {
        server.close();
      }
    }
  });

  it("kafkajs' and thrift's own error classes", () => {
    // kafkajs' typings declare no constructor arguments; its class takes the message like every KafkaJSError.
    const Sasl = KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error;
    expect(classifyError(new Sasl('SASL PLAIN authentication failed: Authentication failed: Invalid username or password'))).toBe('auth-failed');
    expect(classifyError(createErrorFromCode(29))).toBe('auth-failed'); // TOPIC_AUTHORIZATION_FAILED
    expect(classifyError(createErrorFromCode(5))).toBe('store-unreachable'); // LEADER_NOT_AVAILABLE
    expect(classifyError(createErrorFromCode(7))).toBe('timeout'); // REQUEST_TIMED_OUT
    expect(classifyError(createErrorFromCode(10))).toBe('bad-data'); // MESSAGE_TOO_LARGE
    expect(classifyError(createErrorFromCode(36))).toBe('store-error'); // TOPIC_ALREADY_EXISTS
    expect(classifyError(new Hbase1.IOError!({ message: 'org.apache.hadoop.hbase.TableNotFoundException: etc_traffic' }))).toBe('store-error');
    expect(classifyError(new Hbase1.IllegalArgument!({ message: 'Invalid row key' }))).toBe('bad-data');
  });

  it('ours: an undecodable message is bad data, anything unknown internal', () => {
    expect(classifyError(new MessageError('etc_traffic_data[0]@5', 'GCSJ_TS', 'not an epoch-ms integer'))).toBe('bad-data');
    expect(classifyError(new TypeError("Cannot read properties of undefined (reading 'next')"))).toBe('internal');
    expect(classifyError('something odd')).toBe('internal');
    expect(classifyError(undefined)).toBe('internal');
  });
});

describe('the store of a failure', () => {
  it('is the innermost tag the caller knew, kept through rewrapping', async () => {
    const raw = Object.assign(new Error('connect ECONNREFUSED 10.213.7.11:6379'), { code: 'ECONNREFUSED' });
    const tagged = await inStore('redis', Promise.reject(raw)).catch((e: unknown) => e);
    expect(tagged).toBeInstanceOf(StoreFailure);
    expect((tagged as Error).message).toBe('redis: connect ECONNREFUSED 10.213.7.11:6379');
    expect(summarize(tagged)).toEqual({ class: 'store-unreachable', store: 'redis' });
    // Tagged once: an outer inStore does not rename it.
    expect(storeOf(await inStore('mysql', Promise.reject(tagged)).catch((e: unknown) => e))).toBe('redis');
    expect(summarize(new Error('x'))).toEqual({ class: 'internal', store: null });
  });
});
