// The order services start in, from each module's `after` (pure: the registry and the plan builder use it).
import type { ServiceModule } from './types.ts';

/**
 * Modules ordered so each comes after every service it names in `after`; a cycle throws, and so does an
 * unknown name unless `partial` (a subset of the modules: names outside it are someone else's).
 */
export function startOrder(modules: ServiceModule[], partial = false): ServiceModule[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  for (const m of modules) for (const a of m.after) if (!byName.has(a) && !partial) throw new Error(`service module ${m.name}: after names unknown service "${a}"`);
  const out: ServiceModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: ServiceModule, path: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') throw new Error(`service modules depend on each other in a cycle: ${[...path, m.name].join(' → ')}`);
    state.set(m.name, 'visiting');
    for (const a of m.after) if (byName.has(a)) visit(byName.get(a)!, [...path, m.name]);
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of modules) visit(m, []);
  return out;
}
