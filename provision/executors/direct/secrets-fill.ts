// Placeholders → secret values, at the last moment before bytes leave for a node; and the reverse for logs.
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
  const values = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => values.reduce((t, v) => t.split(v).join('***'), text);
}
