// Placeholders → secret values, at the last moment before bytes leave for a node; and the reverse for logs.
// A placeholder names the syntax it sits in (`{{secret:NAME:sql}}`), so the value is encoded for exactly
// that place: a password with quotes, backslashes, `#`, `$`, spaces or CJK characters is carried, never
// injected (the templates only name the syntax; the encoding is here, once).
import { StringDecoder } from 'node:string_decoder';
export const SECRET_PLACEHOLDER = /\{\{secret:([A-Za-z0-9_]+)(?::([a-z-]+))?\}\}/g;

const hex = (c: string) => [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

/** Each target syntax → how a value is written inside it (the quotes around it are the template's, except redis). */
export const SECRET_SYNTAX = {
  /** As is (shell stdin, a file holding only the secret). */
  raw: (v: string) => v,
  /** Inside '…' in MariaDB SQL (default sql_mode: backslash escapes). */
  sql: (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "''"),
  /** Inside "…" of a JSON string. */
  json: (v: string) => JSON.stringify(v).slice(1, -1),
  /** Inside '…' in YAML (a single-quoted scalar: '' is the only escape). */
  'yaml-sq': (v: string) => v.replace(/'/g, "''"),
  /** Inside an XML attribute value or element text. */
  xml: (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;'),
  /** A whole redis.conf argument, quoted ("…" with \\, \" and \xHH for anything not printable ASCII). */
  redis: (v: string) => `"${[...v].map((c) => (c === '"' || c === '\\' ? `\\${c}` : /[ -~]/.test(c) ? c : hex(c))).join('')}"`,
  /** A Redis ACL password rule (`>password`) as one quoted redis.conf argument. */
  'redis-acl': (v: string) => SECRET_SYNTAX.redis(`>${v}`),
} as const;
export type SecretSyntax = keyof typeof SECRET_SYNTAX;

/** The placeholder for a secret in a given syntax. */
export const secretPlaceholder = (name: string, syntax: SecretSyntax = 'raw') => (syntax === 'raw' ? `{{secret:${name}}}` : `{{secret:${name}:${syntax}}}`);

export function secretNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(SECRET_PLACEHOLDER)].map((m) => m[1]!))];
}

/** Fills every placeholder of `text` from `values`, each encoded for its syntax. */
export function fillWith(text: string, values: Map<string, string>): string {
  return text.replace(SECRET_PLACEHOLDER, (_m, name: string, syntax: string | undefined) => {
    const encode = SECRET_SYNTAX[(syntax ?? 'raw') as SecretSyntax];
    if (!encode) throw new Error(`secret placeholder {{secret:${name}:${syntax}}}: unknown syntax (known: ${Object.keys(SECRET_SYNTAX).join(', ')})`);
    return encode(values.get(name)!);
  });
}

export async function fillSecrets(text: string, resolve: (name: string) => Promise<string>): Promise<string> {
  const values = new Map<string, string>();
  for (const name of secretNamesIn(text)) values.set(name, await resolve(name));
  return fillWith(text, values);
}

/** Replaces every known secret value in text (log lines, error messages) with ***. */
export function redactor(secrets: string[]): (text: string) => string {
  const values = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => values.reduce((t, v) => t.split(v).join('***'), text);
}

export interface RedactingStream {
  /** A chunk of output (bytes as they came, split anywhere) → what is safe to write now. */
  push(chunk: Buffer | string): string;
  /** The end of the output: what was held back, redacted. */
  end(): string;
}

/**
 * Redaction over a stream: output arrives in chunks that may split a secret (or a UTF-8 character) anywhere,
 * so the tail that could still be the start of a secret is held back until the next chunk decides it.
 */
export function redactingStream(secrets: string[]): RedactingStream {
  const redact = redactor(secrets);
  const values = secrets.filter((s) => s.length > 0);
  const decoder = new StringDecoder('utf8');
  let held = '';
  /** Length of the longest suffix of t that is a proper prefix of some secret. */
  const pendingTail = (t: string) => {
    let best = 0;
    for (const v of values) for (let k = Math.min(v.length - 1, t.length); k > best; k--) if (t.endsWith(v.slice(0, k))) {
      best = k;
      break;
    }
    return best;
  };
  return {
    push(chunk) {
      const text = held + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      // Whole secrets first; then hold back a tail that may be a secret's beginning.
      const clean = redact(text);
      const keep = pendingTail(clean);
      held = clean.slice(clean.length - keep);
      return clean.slice(0, clean.length - keep);
    },
    end() {
      const rest = redact(held + decoder.end());
      held = '';
      return rest;
    },
  };
}
