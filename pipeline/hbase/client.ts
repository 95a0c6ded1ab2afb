// Typed adapter over the generated HBase Thrift clients (gen/, committed so users need no compiler).
//
// Data calls go to the thrift1 server (the one the ETC pipeline and the user's tools speak: buffered
// transport, binary protocol, port 8085 by default). Thrift1 has no way to give split keys to
// createTable and no truncate, so those two go to the optional thrift2 "admin" endpoint, whose
// createTable(desc, splitKeys) and truncateTable(name, preserveSplits=true) do it server side.
// Without an admin endpoint, createTable with split keys and truncateTable fail with a message
// saying so instead of silently creating a single-region table.
// @ts-expect-error thrift ships no type declarations
import thriftModule from 'thrift';
// The generated code is untyped CommonJS; static imports (not createRequire) so a bundler can follow them.
// @ts-expect-error untyped generated CommonJS
import Hbase1Module from './gen/thrift1/Hbase.js';
// @ts-expect-error untyped generated CommonJS
import types1Module from './gen/thrift1/Hbase_types.js';
// @ts-expect-error untyped generated CommonJS
import Hbase2Module from './gen/thrift2/THBaseService.js';
// @ts-expect-error untyped generated CommonJS
import types2Module from './gen/thrift2/hbase_types.js';
import { SinkBinaryProtocol, SinkBufferedTransport } from './fast-binary.ts';
import { buildBatchMutations, prefixStop, rowFromResult, toBuffer, type Key, type Row, type RowMutation } from './model.ts';

export type { Key, Row, RowMutation } from './model.ts';

const thrift: any = thriftModule;
const Hbase1: any = Hbase1Module;
const types1: any = types1Module;
const Hbase2: any = Hbase2Module;
const types2: any = types2Module;

export interface Endpoint {
  host: string;
  port: number;
}

export interface ConnectOptions {
  /** thrift2 server used for createTable with split keys and truncateTable. */
  admin?: Endpoint;
  /** Per connect and per call; a hung server fails the call instead of the pipeline. */
  timeoutMs?: number;
}

export interface ScanOptions {
  prefix?: Key;
  start?: Key;
  /** Exclusive. */
  stop?: Key;
  /** "cf" or "cf:qualifier"; all columns when omitted. */
  columns?: string[];
  /** Rows fetched per round trip. */
  batch?: number;
  /** Stop after this many rows. */
  limit?: number;
  /** A server-side filter in HBase's filter language, e.g. "FirstKeyOnlyFilter() AND KeyOnlyFilter()" to count rows cheaply. */
  filter?: string;
}

export interface RegionInfo {
  startKey: Buffer;
  endKey: Buffer;
  name: string;
  server: string;
}

interface Link {
  connection: any;
  client: any;
  errors: Error[];
}

function openLink(service: any, ep: Endpoint, timeoutMs: number): Promise<Link> {
  return new Promise((resolve, reject) => {
    const connection = thrift.createConnection(ep.host, ep.port, {
      transport: SinkBufferedTransport,
      protocol: SinkBinaryProtocol,
      connect_timeout: timeoutMs,
      timeout: timeoutMs,
      max_attempts: 1,
    } as any);
    const errors: Error[] = [];
    const early = (err: Error) => {
      connection.end();
      reject(new Error(`HBase thrift ${ep.host}:${ep.port}: ${err.message}`, { cause: err }));
    };
    connection.once('error', early);
    connection.once('connect', () => {
      connection.removeListener('error', early);
      // Later socket errors surface through the failing call; keep them from crashing the process.
      connection.on('error', (err: Error) => errors.push(err));
      resolve({ connection, client: thrift.createClient(service, connection), errors });
    });
  });
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const m = (err as { message: unknown }).message;
    return typeof m === 'string' ? m : Buffer.isBuffer(m) ? m.toString('utf8') : String(m);
  }
  return String(err);
}

export class HBaseThrift {
  private constructor(
    private readonly data: Link,
    private readonly admin: Link | null,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {}

  static async connect(host: string, port: number, options: ConnectOptions = {}): Promise<HBaseThrift> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const data = await openLink(Hbase1, { host, port }, timeoutMs);
    let admin: Link | null = null;
    if (options.admin) {
      try {
        admin = await openLink(Hbase2, options.admin, timeoutMs);
      } catch (err) {
        data.connection.end();
        throw err;
      }
    }
    return new HBaseThrift(data, admin, `${host}:${port}`, timeoutMs);
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HBase thrift ${this.where}: ${what} timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('HBase thrift')) throw err;
      throw new Error(`HBase thrift ${this.where}: ${what}: ${describe(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private requireAdmin(what: string): any {
    if (!this.admin) {
      throw new Error(`${what} needs the HBase thrift2 admin endpoint (thrift1 cannot do it); pass { admin: { host, port } } to connect()`);
    }
    return this.admin.client;
  }

  async getTableNames(): Promise<string[]> {
    const names: Buffer[] = await this.call('getTableNames', () => this.data.client.getTableNames());
    return names.map((n) => toBuffer(n).toString('utf8'));
  }

  async tableExists(name: string): Promise<boolean> {
    return (await this.getTableNames()).includes(name);
  }

  /** Families are plain names ("info"); split keys give the initial region boundaries (sorted, unique). */
  async createTable(name: string, families: string[], splitKeys: Key[] = []): Promise<void> {
    if (families.length === 0) throw new Error(`createTable ${name}: at least one column family is required`);
    if (splitKeys.length === 0) {
      const cols = families.map((f) => new types1.ColumnDescriptor({ name: Buffer.from(f), maxVersions: 1, blockCacheEnabled: true }));
      await this.call(`createTable ${name}`, () => this.data.client.createTable(Buffer.from(name), cols));
      return;
    }
    const admin = this.requireAdmin(`createTable ${name} with ${splitKeys.length} split keys`);
    const keys = splitKeys.map(toBuffer).sort(Buffer.compare);
    for (let i = 1; i < keys.length; i++) {
      if (keys[i].equals(keys[i - 1])) throw new Error(`createTable ${name}: duplicate split key ${JSON.stringify(keys[i].toString())}`);
    }
    const desc = new types2.TTableDescriptor({
      tableName: tableName2(name),
      columns: families.map((f) => new types2.TColumnFamilyDescriptor({ name: Buffer.from(f), maxVersions: 1 })),
    });
    await this.call(`createTable ${name}`, () => admin.createTable(desc, keys));
  }

  async isTableEnabled(name: string): Promise<boolean> {
    return this.call(`isTableEnabled ${name}`, () => this.data.client.isTableEnabled(Buffer.from(name)));
  }

  async disableTable(name: string): Promise<void> {
    if (await this.isTableEnabled(name)) await this.call(`disableTable ${name}`, () => this.data.client.disableTable(Buffer.from(name)));
  }

  async enableTable(name: string): Promise<void> {
    if (!(await this.isTableEnabled(name))) await this.call(`enableTable ${name}`, () => this.data.client.enableTable(Buffer.from(name)));
  }

  /** Disables first when needed (HBase refuses to delete an enabled table). */
  async deleteTable(name: string): Promise<void> {
    await this.disableTable(name);
    await this.call(`deleteTable ${name}`, () => this.data.client.deleteTable(Buffer.from(name)));
  }

  /** Removes every row and keeps the region boundaries (server-side truncate via thrift2); the table ends enabled. */
  async truncateTable(name: string): Promise<void> {
    const admin = this.requireAdmin(`truncateTable ${name}`);
    await this.disableTable(name);
    await this.call(`truncateTable ${name}`, () => admin.truncateTable(tableName2(name), true));
    await this.enableTable(name);
  }

  async tableRegions(name: string): Promise<RegionInfo[]> {
    const regions: any[] = await this.call(`getTableRegions ${name}`, () => this.data.client.getTableRegions(Buffer.from(name)));
    return regions
      .map((r) => ({
        startKey: toBuffer(r.startKey ?? Buffer.alloc(0)),
        endKey: toBuffer(r.endKey ?? Buffer.alloc(0)),
        name: toBuffer(r.name).toString('utf8'),
        server: `${toBuffer(r.serverName ?? Buffer.alloc(0)).toString('utf8')}:${r.port}`,
      }))
      .sort((a, b) => Buffer.compare(a.startKey, b.startKey));
  }

  /** One round trip; a cell value of null deletes that column. */
  async mutateRows(table: string, rows: RowMutation[]): Promise<void> {
    if (rows.length === 0) return;
    const batches = buildBatchMutations(rows).map(
      (b) => new types1.BatchMutation({ row: b.row, mutations: b.mutations.map((m) => new types1.Mutation(m)) }),
    );
    await this.call(`mutateRows ${table} (${rows.length} rows)`, () => this.data.client.mutateRows(Buffer.from(table), batches, null));
  }

  async getRow(table: string, row: Key): Promise<Row | null> {
    const results: any[] = await this.call(`getRow ${table}`, () => this.data.client.getRow(Buffer.from(table), toBuffer(row), null));
    return results.length === 0 ? null : rowFromResult(results[0]);
  }

  async *scanRows(table: string, options: ScanOptions = {}): AsyncGenerator<Row> {
    if (options.prefix !== undefined && (options.start !== undefined || options.stop !== undefined)) {
      throw new Error(`scan ${table}: give either prefix or start/stop, not both`);
    }
    const start = options.prefix !== undefined ? toBuffer(options.prefix) : options.start !== undefined ? toBuffer(options.start) : Buffer.alloc(0);
    const stop = options.prefix !== undefined ? prefixStop(toBuffer(options.prefix)) : options.stop !== undefined ? toBuffer(options.stop) : null;
    const batch = options.batch ?? 500;
    const scan = new types1.TScan({
      startRow: start,
      stopRow: stop && stop.length > 0 ? stop : null,
      columns: options.columns?.map((c) => Buffer.from(c)) ?? null,
      caching: batch,
      filterString: options.filter ? Buffer.from(options.filter) : null,
    });
    const id = await this.call(`scannerOpen ${table}`, () => this.data.client.scannerOpenWithScan(Buffer.from(table), scan, null));
    let seen = 0;
    try {
      for (;;) {
        const want = options.limit !== undefined ? Math.min(batch, options.limit - seen) : batch;
        if (want <= 0) return;
        const results: any[] = await this.call(`scannerGetList ${table}`, () => this.data.client.scannerGetList(id, want));
        if (results.length === 0) return;
        for (const r of results) {
          seen++;
          yield rowFromResult(r);
        }
      }
    } finally {
      await this.call(`scannerClose ${table}`, () => this.data.client.scannerClose(id)).catch(() => undefined);
    }
  }

  async scan(table: string, options: ScanOptions = {}): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const r of this.scanRows(table, options)) rows.push(r);
    return rows;
  }

  close(): void {
    this.data.connection.end();
    this.admin?.connection.end();
  }
}

function tableName2(name: string): any {
  const colon = name.indexOf(':');
  return colon < 0
    ? new types2.TTableName({ qualifier: Buffer.from(name) })
    : new types2.TTableName({ ns: Buffer.from(name.slice(0, colon)), qualifier: Buffer.from(name.slice(colon + 1)) });
}

export function connect(host: string, port: number, options?: ConnectOptions): Promise<HBaseThrift> {
  return HBaseThrift.connect(host, port, options);
}

/** "host:port" as in ETCLAB_HBASE_THRIFT; throws naming the variable on bad input. */
export function parseEndpoint(value: string, source: string): Endpoint {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`${source}: expected host:port, got ${JSON.stringify(value)}`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * One real call against a Thrift server, for health probes: which API the server on that port speaks
 * (a thrift1 client against a thrift2 server fails here, not at the first put) and, for thrift1, the
 * table count from getTableNames.
 */
export async function thriftPing(ep: Endpoint, api: 1 | 2, timeoutMs = 5000): Promise<{ serverType: number; tables: number | null }> {
  const link = await openLink(api === 1 ? Hbase1 : Hbase2, ep, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      const serverType: number = await link.client.getThriftServerType();
      const tables = api === 1 ? ((await link.client.getTableNames()) as unknown[]).length : null;
      return { serverType, tables };
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HBase thrift ${ep.host}:${ep.port}: no answer in ${timeoutMs} ms`)), timeoutMs);
    });
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    link.connection.end();
  }
}
