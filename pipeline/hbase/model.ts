// Pure conversions between the adapter's types and thrift1 structs; no sockets here.

export type Key = string | Buffer;

/** Cells by "family:qualifier". */
export interface Row {
  row: Buffer;
  cells: Record<string, Buffer>;
}

export interface RowMutation {
  row: Key;
  /** "family:qualifier" → value; null deletes the column. */
  cells: Record<string, Key | null>;
}

export interface PlainMutation {
  column: Buffer;
  value: Buffer | null;
  isDelete: boolean;
  writeToWAL: boolean;
}

export function toBuffer(k: Key | Uint8Array): Buffer {
  return typeof k === 'string' ? Buffer.from(k, 'utf8') : Buffer.isBuffer(k) ? k : Buffer.from(k);
}

// A table has a handful of columns and a batch names them thousands of times: one Buffer (and one check) each.
const columnNames = new Map<string, Buffer>();
function columnName(column: string, i: number): Buffer {
  let b = columnNames.get(column);
  if (!b) {
    if (!/^[^:]+:/.test(column)) throw new Error(`mutation ${i}: column ${JSON.stringify(column)} must be "family:qualifier"`);
    b = Buffer.from(column);
    if (columnNames.size < 10_000) columnNames.set(column, b);
  }
  return b;
}

export function buildBatchMutations(rows: RowMutation[]): Array<{ row: Buffer; mutations: PlainMutation[] }> {
  return rows.map((r, i) => {
    const cols = Object.entries(r.cells);
    if (cols.length === 0) throw new Error(`mutation ${i}: row ${JSON.stringify(toBuffer(r.row).toString())} has no cells`);
    return {
      row: toBuffer(r.row),
      mutations: cols.map(([column, value]) => {
        const name = columnName(column, i);
        return value === null
          ? { column: name, value: null, isDelete: true, writeToWAL: true }
          : { column: name, value: toBuffer(value), isDelete: false, writeToWAL: true };
      }),
    };
  });
}

/** Smallest key greater than every key starting with `prefix` (empty = scan to the end). */
export function prefixStop(prefix: Buffer): Buffer {
  const stop = Buffer.from(prefix);
  for (let i = stop.length - 1; i >= 0; i--) {
    if (stop[i] !== 0xff) {
      stop[i]++;
      return stop.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(0);
}

/** TRowResult → Row. The generated code keys the columns map by the qualifier's utf8 text. */
export function rowFromResult(r: { row: Uint8Array; columns?: Record<string, { value: Uint8Array }> | null; sortedColumns?: Array<{ columnName: Uint8Array; cell: { value: Uint8Array } }> | null }): Row {
  const cells: Record<string, Buffer> = {};
  if (r.sortedColumns) {
    for (const c of r.sortedColumns) cells[toBuffer(c.columnName).toString('utf8')] = toBuffer(c.cell.value);
  } else if (r.columns) {
    for (const [k, v] of Object.entries(r.columns)) cells[k] = toBuffer(v.value);
  }
  return { row: toBuffer(r.row), cells };
}
