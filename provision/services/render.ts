// The one template renderer: `{{name}}` is replaced from vars; `{{secret:NAME}}` is left for the executor,
// which resolves secrets only at write time. A missing variable is an error naming the template.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Templates live in each service's folder (provision/services/<service>/templates/); names are relative to
// provision/services/. The CLI bundle (.build/cli/, two levels below the repository) carries this code away.
declare const __ETCLAB_BUNDLED__: boolean | undefined;
const root = typeof __ETCLAB_BUNDLED__ !== 'undefined' ? fileURLToPath(new URL('../../provision/services/', import.meta.url)) : fileURLToPath(new URL('.', import.meta.url));
const cache = new Map<string, string>();

export function templateText(name: string): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = readFileSync(`${root}/${name}`, 'utf8');
    cache.set(name, t);
  }
  return t;
}

export function renderString(text: string, vars: Record<string, string | number | boolean>, name = '<inline>'): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_m, key: string) => {
    if (!(key in vars)) throw new Error(`template ${name}: no value for {{${key}}}`);
    return String(vars[key]);
  });
}

/** Renders provision/services/<name> (a service's templates/ file). */
export function render(name: string, vars: Record<string, string | number | boolean>): string {
  return renderString(templateText(name), vars, `provision/services/${name}`);
}
