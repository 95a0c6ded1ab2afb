// Secret values, read at execution time from the references in the inventory. The values live only
// in memory: the executor writes them into 0600 files on nodes and redacts them from every log line.
import { readFile } from 'node:fs/promises';
import type { Inventory } from './types.ts';

export interface ResolveOptions {
  env?: Record<string, string | undefined>;
}

export async function resolveSecret(inv: Inventory, name: string, opts: ResolveOptions = {}): Promise<string> {
  const ref = inv.secrets[name];
  if (!ref) {
    throw new Error(
      `secret "${name}" is not defined in ${inv.file}; add it under secrets: as ${name}: {env: VAR} or {file: path}`,
    );
  }
  let value: string;
  let source: string;
  if ('env' in ref) {
    const v = (opts.env ?? process.env)[ref.env];
    if (v === undefined || v === '') {
      throw new Error(`secret "${name}": environment variable ${ref.env} is not set; export ${ref.env}=<value> before running etclab`);
    }
    value = v;
    source = `environment variable ${ref.env}`;
  } else {
    try {
      value = await readFile(ref.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found' : `unreadable (${code ?? (err as Error).message})`;
      throw new Error(`secret "${name}": file ${ref.file} ${why}; write the secret into it (umask 077 first) or point secrets.${name} elsewhere`);
    }
    source = `file ${ref.file}`;
  }
  // Editors and `echo` add a final newline that is not part of the password.
  value = value.replace(/[\r\n]+$/, '');
  if (value === '') throw new Error(`secret "${name}": ${source} is empty; put the secret value in it`);
  // Every target (SQL, redis.conf, YAML, XML, JSON) takes one line; a secret of a few characters would be
  // guessed and would blank out those characters everywhere in the logs it is redacted from.
  if (/[\r\n\0]/.test(value)) throw new Error(`secret "${name}": ${source} holds a line break or NUL inside the value; a secret is one line`);
  if ([...value].length < 8) throw new Error(`secret "${name}": ${source} holds ${[...value].length} characters; use at least 8`);
  return value;
}

/**
 * Every defined secret's value, longest first so a redactor replacing them in order never leaves
 * the tail of a longer secret that contains a shorter one.
 */
export async function secretValues(inv: Inventory, opts: ResolveOptions = {}): Promise<string[]> {
  const values = await Promise.all(Object.keys(inv.secrets).map((name) => resolveSecret(inv, name, opts)));
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}
