// Placeholders → secret values, at the last moment before bytes leave for a node; and the reverse for logs.
import { StringDecoder } from 'node:string_decoder';
export const SECRET_PLACEHOLDER = /\{\{secret:([A-Za-z0-9_]+)\}\}/g;

export function secretNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(SECRET_PLACEHOLDER)].map((m) => m[1]))];
}

export async function fillSecrets(text: string, resolve: (name: string) => Promise<string>): Promise<string> {
  const values = new Map<string, string>();
  for (const name of secretNamesIn(text)) values.set(name, await resolve(name));
  return text.replace(SECRET_PLACEHOLDER, (_m, name: string) => values.get(name)!);
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
