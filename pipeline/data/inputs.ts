import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Expands FILE|DIR arguments into CSV files: directories give their *.csv (not quarantine files) sorted by name. */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    let st;
    try {
      st = await stat(arg);
    } catch {
      throw new Error(`${arg}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const names = (await readdir(arg)).filter((n) => /\.csv$/i.test(n) && !/\.quarantine\.csv$/i.test(n)).sort();
      out.push(...names.map((n) => resolve(join(arg, n))));
    } else {
      out.push(resolve(arg));
    }
  }
  return [...new Set(out)];
}

/** The shared ETC data set next to the repository: <repo>/../shared/data/etc. */
export const DEFAULT_DATA_DIR = new URL('../../../shared/data/etc', import.meta.url).pathname;
