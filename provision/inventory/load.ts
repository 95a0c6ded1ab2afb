// Reads an inventory file into a validated Inventory with defaults applied, or throws an
// InventoryError listing every problem with its line. Touches only local files and the environment.
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ServiceModule } from '../services/types.ts';
import { applyDefaults } from './defaults.ts';
import { InventoryError, type Inventory } from './types.ts';
import { checkInventory, Issues, readFileInventory, type FieldPath, type Locate } from './validate.ts';

export interface LoadOptions {
  /** Where secrets' {env} references are looked up (default process.env). */
  env?: Record<string, string | undefined>;
  /** What `~` means in local paths (default the current user's home). */
  homeDir?: string;
  /** Local file existence check (key, known_hosts, secret files); default: a regular file at that path. */
  fileExists?: (p: string) => boolean | Promise<boolean>;
}

async function isRegularFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function locator(contents: YamlNode | null, lc: LineCounter): Locate {
  const lineAt = (offset: number) => lc.linePos(offset).line;
  return (fieldPath: FieldPath, at) => {
    let node: unknown = contents;
    let line = node && (node as YamlNode).range ? lineAt((node as YamlNode).range![0]) : 1;
    for (let i = 0; i < fieldPath.length; i++) {
      const seg = fieldPath[i];
      const last = i === fieldPath.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair || !isPair(pair)) return line;
        const key = pair.key as YamlNode;
        const value = pair.value as YamlNode | null;
        if (key.range) line = lineAt(key.range[0]);
        if (last && at === 'key') return line;
        // `key:` with nothing after it has no value node: the key's line is the best we have.
        if (value?.range) line = lineAt(value.range[0]);
        node = value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        const item = node.items[seg] as YamlNode | null;
        if (item?.range) line = lineAt(item.range[0]);
        node = item;
      } else {
        return line;
      }
    }
    return line;
  };
}

/** Parses and validates inventory text; `file` is used for messages and to resolve relative paths. */
export async function parseInventory(text: string, file: string, modules: ServiceModule[], opts: LoadOptions = {}): Promise<Inventory> {
  const abs = path.resolve(file);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length > 0) {
    // The tree after a syntax error is a guess; checking it would only add confusing follow-on issues.
    throw new InventoryError(
      doc.errors.map((e) => ({
        file: abs,
        line: e.linePos?.[0].line ?? 1,
        field: '(yaml syntax)',
        message: `YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }

  const issues = new Issues(abs, locator(doc.contents as YamlNode | null, lc));
  const fi = readFileInventory(doc.toJS(), modules, issues);
  const { inventory, provenance } = applyDefaults(fi, { file: abs, homeDir: opts.homeDir ?? os.homedir(), modules });
  await checkInventory(
    inventory,
    fi,
    provenance,
    { modules, env: opts.env ?? process.env, fileExists: opts.fileExists ?? isRegularFile },
    issues,
  );
  const found = issues.list();
  if (found.length > 0) throw new InventoryError(found);
  return inventory;
}

export async function loadInventory(file: string, modules: ServiceModule[], opts: LoadOptions = {}): Promise<Inventory> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InventoryError([
      {
        file: abs,
        line: 0,
        field: '(file)',
        message: code === 'ENOENT' ? 'inventory file not found (copy etclab.example.yaml and edit it)' : `cannot read inventory: ${(err as Error).message}`,
      },
    ]);
  }
  return parseInventory(text, abs, modules, opts);
}
