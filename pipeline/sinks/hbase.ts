// HBase sink: each passage as one row of the main table and one of the checkpoint index (core/rowkey.ts).
// Puts are idempotent (the row key holds the GCXH, one version per cell), so a replayed batch rewrites
// the same cells and no progress marker is needed here.
import { CHECKPOINTS, canonicalKkmc } from '../data/checkpoints.ts';
import { connect, type Endpoint, type HBaseThrift, type RowMutation } from '../hbase/client.ts';
import { CHECKPOINT_INDEX_TABLE, MAIN_TABLE, checkpointIndexRowKey, checkpointSplitKeys, mainRowKey, splitKeys } from '../core/rowkey.ts';
import { CLEAN_COLUMNS } from '../data/record.ts';
import type { DecodedRecord } from './message.ts';

export const FAMILY = 'info';
/** What the index row carries besides the main row key: enough for the dashboard's checkpoint view. */
const INDEX_COLUMNS = ['HPHM', 'HPZL_LABEL', 'FXLX', 'BOUNDARY_LEVEL'] as const;
/** Rows per mutateRows call: one Thrift frame stays a few hundred KB. */
const PUT_CHUNK = 500;

export interface HbaseTables {
  main: string;
  index: string;
}

export const DEFAULT_TABLES: HbaseTables = { main: MAIN_TABLE, index: CHECKPOINT_INDEX_TABLE };

export function mutations(records: DecodedRecord[]): { main: RowMutation[]; index: RowMutation[] } {
  const main: RowMutation[] = [];
  const index: RowMutation[] = [];
  for (const { passage: p, row } of records) {
    const key = mainRowKey(p);
    const cells: Record<string, string> = {};
    for (const c of CLEAN_COLUMNS) cells[`${FAMILY}:${c}`] = String(row[c]);
    main.push({ row: key, cells });
    const idx: Record<string, string> = { [`${FAMILY}:rk`]: key };
    for (const c of INDEX_COLUMNS) idx[`${FAMILY}:${c}`] = String(row[c]);
    index.push({ row: checkpointIndexRowKey(p), cells: idx });
  }
  return { main, index };
}

export class HbaseSink {
  private client: HBaseThrift | null = null;
  private ensured = false;

  constructor(
    private readonly thrift: Endpoint,
    private readonly admin: Endpoint,
    readonly tables: HbaseTables = DEFAULT_TABLES,
  ) {}

  private async link(): Promise<HBaseThrift> {
    if (!this.client) this.client = await connect(this.thrift.host, this.thrift.port, { admin: this.admin, timeoutMs: 30_000 });
    if (!this.ensured) {
      await ensureTables(this.client, this.tables);
      this.ensured = true;
    }
    return this.client;
  }

  async put(records: DecodedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { main, index } = mutations(records);
    try {
      const c = await this.link();
      for (let i = 0; i < main.length; i += PUT_CHUNK) {
        await Promise.all([c.mutateRows(this.tables.main, main.slice(i, i + PUT_CHUNK)), c.mutateRows(this.tables.index, index.slice(i, i + PUT_CHUNK))]);
      }
    } catch (err) {
      // The thrift connection does not heal itself: start over with a fresh one on the retry.
      this.client?.close();
      this.client = null;
      throw err;
    }
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }
}

/** Pre-split at creation (a table that exists is left as it is). */
export async function ensureTables(c: HBaseThrift, t: HbaseTables): Promise<void> {
  const names = await c.getTableNames();
  if (!names.includes(t.main)) await createIfAbsent(c, t.main, splitKeys());
  const cps = CHECKPOINTS.map((x) => canonicalKkmc(x.roadId, x.kIndex, x.level));
  if (!names.includes(t.index)) await createIfAbsent(c, t.index, checkpointSplitKeys(cps));
}

async function createIfAbsent(c: HBaseThrift, name: string, splits: string[]): Promise<void> {
  try {
    await c.createTable(name, [FAMILY], splits);
  } catch (err) {
    // Two consumers starting together: the loser sees TableExistsException, which is fine.
    if (!(await c.tableExists(name))) throw err;
  }
}
