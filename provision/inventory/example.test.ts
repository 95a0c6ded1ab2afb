// etclab.example.yaml is documentation a new user copies: it must load with the real parser and every real
// module, plan a whole `up`, say what it says about Java and Node.js truthfully, and state only values equal
// to the modules' defaults (so a module changing a default fails here instead of the file drifting).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseInventory } from './load.ts';
import { InventoryError, type Inventory } from './types.ts';
import { DEFAULT_JAVA_HOME, JAVA_PACKAGE } from './defaults.ts';
import { serviceModules } from '../services/registry.ts';
import { buildPlan } from '../plan/build.ts';
import { nodePackages } from '../plan/node-setup.ts';

const exampleText = readFileSync(new URL('../../etclab.example.yaml', import.meta.url), 'utf8');
/** Every {env} secret of the example, with a value as validation wants it (8+ characters). */
const env = { ETCLAB_REDIS_PASSWORD: 'redis-password-from-env' };
const FILE = '/home/op/etclab/etclab.yaml';

async function load(text = exampleText): Promise<Inventory> {
  try {
    return await parseInventory(text, FILE, serviceModules, { env, homeDir: '/home/op', fileExists: () => true });
  } catch (e) {
    // Show every issue with its line, not just "rejected".
    if (e instanceof InventoryError) expect(e.issues.map((i) => `${i.line}: ${i.field}: ${i.message}`)).toEqual([]);
    throw e;
  }
}

type RawService = { ports?: Record<string, number>; heap?: Record<string, string>; settings?: Record<string, unknown> };
const raw = parseYaml(exampleText) as { profile: Inventory['profile']; nodes: Array<{ name: string }>; services: Record<string, RawService> };
const nodeNames = raw.nodes.map((n) => n.name);
const defaultsOf = (name: string) => serviceModules.find((m) => m.name === name)!.defaults(raw.profile, nodeNames);

/**
 * Settings the file states that are not in a module's defaults() but are read with a fallback in its code:
 * the value must be that fallback (and the module must still read the key: see the grep test below).
 */
const CODE_FALLBACKS: Record<string, Record<string, unknown>> = {
  kafka: { numPartitions: 3 }, // kafka/index.ts and pipeline/index.ts: settings.numPartitions ?? 3
};

/** The commented-out blocks (`  # proxy:` …) of a service, uncommented, parsed. */
function commentedBlock(service: string): Record<string, unknown> {
  const lines = exampleText.split('\n');
  const start = lines.indexOf(`  # ${service}:`);
  expect(start, `a commented ${service} block`).toBeGreaterThan(0);
  const block: string[] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith('  # ')) break;
    block.push(l.slice(4));
  }
  return (parseYaml(block.join('\n')) as Record<string, Record<string, unknown>>)[service]!;
}

describe('etclab.example.yaml', () => {
  it('loads with the real parser and every real module, without an issue', async () => {
    const inv = await load();
    expect(inv.profile).toBe('prod');
    expect(inv.nodes.map((n) => `${n.name} ${n.address} ${n.baseDir}`)).toEqual([
      'node1 192.168.88.131 /export/etclab',
      'node2 192.168.88.132 /export/etclab',
      'node3 192.168.88.133 /export/etclab',
    ]);
    for (const n of inv.nodes) expect(n.ssh).toEqual({ user: 'root', port: 22, key: '/home/op/.ssh/id_ed25519', knownHosts: '/home/op/.ssh/known_hosts' });
  });

  it('has every service module of the registry, in the registry order', async () => {
    const inv = await load();
    expect(Object.keys(raw.services)).toEqual(serviceModules.map((m) => m.name));
    expect(Object.keys(inv.services).sort()).toEqual(serviceModules.map((m) => m.name).sort());
  });

  it('names every secret the services use, the read-only accounts included, as references', async () => {
    const inv = await load();
    expect(inv.services.redis!.secrets).toEqual({ password: 'redis_password', readPassword: 'redis_read_password' });
    expect(inv.services.mariadb!.secrets).toEqual({ rootPassword: 'mysql_root_password', appPassword: 'mysql_app_password', readPassword: 'mysql_read_password' });
    expect(inv.services.proxy!.secrets).toEqual({ appPassword: 'mysql_app_password' });
    expect(Object.keys(inv.secrets).sort()).toEqual(['mysql_app_password', 'mysql_read_password', 'mysql_root_password', 'redis_password', 'redis_read_password']);
    for (const ref of Object.values(inv.secrets)) expect('env' in ref || 'file' in ref).toBe(true);
    // Every {env} one is provided by this test's env, i.e. the list above is complete.
    for (const ref of Object.values(inv.secrets)) if ('env' in ref) expect(env).toHaveProperty(ref.env);
  });

  it('plans a whole `up`: a packages step on every node, before that node\'s services', async () => {
    const inv = await load();
    const plan = buildPlan(inv, 'up', serviceModules);
    const ids = new Set(plan.steps.map((s) => s.id));
    for (const n of inv.nodes) {
      const id = `packages/${n.name}/install`;
      expect(ids.has(id), id).toBe(true);
      // No `node` setting on the pipeline or dashboard: etclab ships its Node.js runtime to every consumer node.
      expect(ids.has(`nodejs/${n.name}/install`), `nodejs/${n.name}/install`).toBe(true);
      const configure = plan.steps.filter((s) => s.node === n.name && s.phase === 'configure');
      expect(configure.length).toBeGreaterThan(0);
    }
    for (const m of serviceModules) expect(plan.steps.some((s) => s.service === m.name), m.name).toBe(true);
  });

  it('node1 without javaHome gets the distribution JDK; node3 with javaHome only has it checked', async () => {
    const inv = await load();
    const node = (name: string) => inv.nodes.find((n) => n.name === name)!;
    expect(node('node1')).toMatchObject({ javaHome: DEFAULT_JAVA_HOME, javaFrom: 'package' });
    expect(node('node3')).toMatchObject({ javaHome: '/export/server/jdk-17', javaFrom: 'inventory' });
    expect(nodePackages(inv, serviceModules, node('node1'))).toContain(JAVA_PACKAGE);
    expect(nodePackages(inv, serviceModules, node('node3'))).not.toContain(JAVA_PACKAGE);
    const script = (n: string) => buildPlan(inv, 'up', serviceModules).steps.find((s) => s.id === `packages/${n}/install`)!.action;
    expect(JSON.stringify(script('node3'))).toContain('/export/server/jdk-17/bin/java');
    expect(JSON.stringify(script('node1'))).not.toContain('is not a JDK 17 or newer');
  });

  it('states only module defaults: every port, heap and setting it writes equals the module\'s', () => {
    let ports = 0;
    for (const [name, svc] of Object.entries(raw.services)) {
      const d = defaultsOf(name);
      for (const [k, v] of Object.entries(svc.ports ?? {})) {
        expect(v, `services.${name}.ports.${k}`).toBe(d.ports[k]);
        ports++;
      }
      for (const [k, v] of Object.entries(svc.heap ?? {})) expect(v, `services.${name}.heap.${k}`).toBe(d.heap[k]);
      for (const [k, v] of Object.entries(svc.settings ?? {})) {
        const want = d.settings && k in d.settings ? d.settings[k] : CODE_FALLBACKS[name]?.[k];
        expect(want, `services.${name}.settings.${k} is neither a default nor a known fallback`).not.toBeUndefined();
        expect(v, `services.${name}.settings.${k}`).toEqual(want);
      }
    }
    expect(ports).toBeGreaterThan(30); // the file does state them (the user's 8085, 8066, 8081 among them)
  });

  it('every settings key it mentions, live or commented, is read by its module', () => {
    const src = (name: string) => readFileSync(new URL(`../services/${name}/index.ts`, import.meta.url), 'utf8');
    const extra: Record<string, string> = {
      // Read outside the module's index.ts.
      'pipeline.topic': readFileSync(new URL('../services/pipeline/endpoints.ts', import.meta.url), 'utf8'),
      'pipeline.group': readFileSync(new URL('../services/pipeline/endpoints.ts', import.meta.url), 'utf8'),
      'pipeline.node': readFileSync(new URL('../services/common.ts', import.meta.url), 'utf8'),
      'dashboard.node': readFileSync(new URL('../services/common.ts', import.meta.url), 'utf8'),
      'redis.readUser': readFileSync(new URL('../services/redis/endpoints.ts', import.meta.url), 'utf8'),
    };
    // Live keys, plus the `# key: value` ones commented inside a service's settings.
    const keys: Array<[string, string]> = [];
    for (const [name, svc] of Object.entries(raw.services)) for (const k of Object.keys(svc.settings ?? {})) keys.push([name, k]);
    keys.push(['pipeline', 'node'], ['dashboard', 'node'], ['hdfs', 'replication']);
    for (const [name, k] of keys) {
      const text = extra[`${name}.${k}`] ?? src(name);
      expect(text, `services.${name}.settings.${k}`).toMatch(new RegExp(`\\b(settings|s)\\.${k}\\b|settings\\[['"]${k}['"]\\]|'${k}'`));
    }
  });

  it('the commented MyCat block is a valid proxy for the same inventory', async () => {
    const mycat = commentedBlock('proxy');
    expect(mycat).toMatchObject({ settings: { engine: 'mycat' }, source: { kind: 'existing', home: '/export/server/mycat1' } });
    const doc = parseYaml(exampleText) as { services: Record<string, unknown> };
    doc.services.proxy = mycat;
    const inv = await load(stringify(doc));
    expect(inv.services.proxy!.settings.engine).toBe('mycat');
    const d = defaultsOf('proxy');
    for (const [k, v] of Object.entries((mycat.ports ?? {}) as Record<string, number>)) expect(v, `proxy.ports.${k}`).toBe(d.ports[k]);
    expect(buildPlan(inv, 'up', serviceModules).steps.some((s) => s.service === 'proxy')).toBe(true);
  });

  it('setting `node` (the node\'s own Node.js) drops the shipped runtime', async () => {
    const doc = parseYaml(exampleText) as { services: Record<string, { settings: Record<string, unknown> }> };
    doc.services.pipeline!.settings.node = '/usr/bin/node';
    doc.services.dashboard!.settings.node = '/usr/bin/node';
    const plan = buildPlan(await load(stringify(doc)), 'up', serviceModules);
    expect(plan.steps.filter((s) => s.service === 'nodejs')).toEqual([]);
    expect(plan.steps.find((s) => s.id.startsWith('pipeline/node1/') && s.phase === 'start')).toBeDefined();
  });
});
