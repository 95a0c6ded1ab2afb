// Throwaway servers for the sink and service tests: a private Redis and MariaDB on unix sockets and a
// single-node KRaft Kafka bound to 127.0.5.1 only. Each lives in its own temp dir and is stopped by
// the returned `stop`, so a test run leaves nothing behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactDir } from '../../provision/artifacts/spec.ts';
import { specFor } from '../../provision/artifacts/catalog.ts';

// The Kafka runtime `scripts/setup` assembled into the artifact cache, unless told otherwise.
export const KAFKA_LIBS = process.env.ETCLAB_KAFKA_LIBS ?? join(artifactDir(specFor('kafka')), 'lib');
export const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;
export const HAS_MARIADB = spawnSync('mariadbd', ['--version']).status === 0 && spawnSync('which', ['mariadb-install-db']).status === 0;
export const HAS_KAFKA_JARS =
  spawnSync('java', ['-version']).status === 0 && existsSync(KAFKA_LIBS) && readdirSync(KAFKA_LIBS).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
export const NO_KAFKA_REASON = `needs java and the kafka_2.13 jars in ${KAFKA_LIBS} (or set ETCLAB_KAFKA_LIBS)`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what}: process exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function stopProc(p: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

export interface RedisServer {
  socket: string;
  stop(): Promise<void>;
  /** Stops the process but keeps the dir (an outage); `start` brings it back on the same socket. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'etcpipe-redis-'));
  const socket = join(dir, 'redis.sock');
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
    await waitFor('redis-server', () => existsSync(socket), 15_000, proc);
  };
  await start();
  return {
    socket,
    start,
    kill: async () => { await stopProc(proc); rmSync(socket, { force: true }); },
    stop: async () => { await stopProc(proc); rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface MariadbServer {
  socket: string;
  database: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startMariadb(database = 'etc'): Promise<MariadbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'etcpipe-maria-'));
  const socket = join(dir, 'mysqld.sock');
  const boot = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120_000 });
  if (boot.status !== 0) throw new Error(`mariadb-install-db failed: ${boot.stderr}`);
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      'mariadbd',
      ['--no-defaults', `--datadir=${dir}/data`, `--socket=${socket}`, '--skip-networking', '--user=root', '--innodb-buffer-pool-size=64M', '--skip-grant-tables', `--log-error=${dir}/err.log`],
      { stdio: 'ignore' },
    );
    await waitFor('mariadbd', () => existsSync(socket), 60_000, proc);
  };
  await start();
  const mysql = await import('mysql2/promise');
  const c = await mysql.createConnection({ socketPath: socket, user: 'root' });
  await c.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  await c.end();
  return {
    socket,
    database,
    start,
    kill: async () => { await stopProc(proc, 30_000); },
    stop: async () => { await stopProc(proc, 30_000); rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface KafkaServer {
  brokers: string[];
  stop(): Promise<void>;
}

/** KRaft broker+controller; small heap, bound to 127.0.5.1 only. */
export async function startKafka(host = '127.0.5.1', port = 29092): Promise<KafkaServer> {
  const dir = mkdtempSync(join(tmpdir(), 'etcpipe-kafka-'));
  const ctl = port + 1;
  writeFileSync(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${host}:${ctl}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${ctl}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${dir}/data`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'auto.create.topics.enable=false',
      'group.initial.rebalance.delay.ms=0',
      // The log cleaner allocates a 128 MiB dedupe buffer by default: too much for a 200 MiB test heap.
      'log.cleaner.dedupe.buffer.size=8388608',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  const cp = `${KAFKA_LIBS}/*`;
  const jvm = ['-Xms200m', '-Xmx200m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${dir}/log4j.properties`, `-Dkafka.logs.dir=${dir}/logs`, '-cp', cp];
  const fmt = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', 'etcpipe-test-cluster-0001', '-c', join(dir, 'server.properties')], { timeout: 120_000 });
  if (fmt.status !== 0) throw new Error(`kafka storage format failed: ${fmt.stdout}${fmt.stderr}`);
  const proc = spawn('java', [...jvm, 'kafka.Kafka', join(dir, 'server.properties')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const keep = (d: Buffer) => { err = (err + d.toString()).slice(-4000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  try {
    await waitFor('kafka broker', () => tcpOpen(host, port), 120_000, proc);
  } catch (e) {
    await stopProc(proc);
    throw new Error(`${(e as Error).message}; stderr: ${err}`);
  }
  return {
    brokers: [`${host}:${port}`],
    stop: async () => { await stopProc(proc, 20_000); rmSync(dir, { recursive: true, force: true }); },
  };
}
