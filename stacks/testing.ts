// Test support: a lab-shaped inventory whose key, known_hosts and secrets are real files in a temp dir,
// and a Pulumi mock monitor that records each RegisterResource request as the engine would receive it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import type { Inventory } from '../provision/inventory/types.ts';
import { fixtureInventory } from '../test/fixtures/inventory.ts';

export interface TestLab {
  dir: string;
  inv: Inventory;
  /** Every secret value and the key material: none may show in a plain resource input. */
  sensitive: string[];
  secretValues: Record<string, string>;
}

export function testLab(edit?: (inv: Inventory) => void): TestLab {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-stack-'));
  const key = path.join(dir, 'id_ed25519');
  const keyBody = `-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE${randomBytes(24).toString('hex')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  writeFileSync(key, keyBody, { mode: 0o600 });
  const inv = fixtureInventory();
  edit?.(inv);
  const hostLines = inv.nodes.map((n) => `${n.address} ssh-ed25519 ${Buffer.from(`hostkey-${n.name}`).toString('base64')}`);
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, hostLines.join('\n') + '\n');
  for (const n of inv.nodes) n.ssh = { ...n.ssh, key, knownHosts };
  const secretValues: Record<string, string> = {};
  for (const name of Object.keys(inv.secrets)) {
    const file = path.join(dir, name);
    secretValues[name] = `S3cret-${name}-${randomBytes(6).toString('hex')}`;
    writeFileSync(file, secretValues[name] + '\n', { mode: 0o600 });
    inv.secrets[name] = { file };
  }
  inv.file = path.join(dir, 'inventory.yaml');
  return { dir, inv, secretValues, sensitive: [...Object.values(secretValues), keyBody.split('\n')[1]] };
}

export interface Registered {
  type: string;
  name: string;
  /** Names of the resources it depends on (dependsOn plus input dependencies), as sent to the engine. */
  deps: string[];
  deleteBeforeReplace: boolean;
  /** Inputs as serialized for the engine: secrets still wrapped in Pulumi's secret signature. */
  raw: Record<string, unknown>;
}

/** Installs mocks and returns the list that fills as resources register. */
export async function recordingMocks(config: Record<string, string> = {}, secretKeys: string[] = []): Promise<Registered[]> {
  const seen: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
      call: (a) => a.inputs,
    },
    'etclab',
    'test',
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: any, cb: any) => unknown };
  const orig = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: any) => {
    seen.push({
      type: req.getType(),
      name: req.getName(),
      deps: req.getDependenciesList().map((urn: string) => urn.split('::').pop()!),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      raw: req.getObject()?.toJavaScript() ?? {},
    });
    return orig(req, cb);
  };
  return seen;
}

/** Resolves once every resource has registered (its URN is known). */
export function settled(resources: Iterable<pulumi.CustomResource>): Promise<unknown> {
  return Promise.all([...resources].map((r) => new Promise((res) => r.urn.apply(res))));
}

export const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE = '1b47061264138c4ac30d75fd1eb44270';

/** Every string in a serialized input, split into those inside a secret wrapper and those outside. */
export function strings(v: unknown, inSecret = false, out = { plain: [] as string[], secret: [] as string[] }) {
  if (typeof v === 'string') (inSecret ? out.secret : out.plain).push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, inSecret, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const wrapped = o[SECRET_SIG] === SECRET_VALUE;
    for (const [k, x] of Object.entries(o)) if (!(wrapped && k === SECRET_SIG)) strings(x, inSecret || wrapped, out);
  }
  return out;
}

/** A string plus the decoded bodies of its base64 heredocs (how files-script ships file contents). */
export function withDecodedHeredocs(s: string): string {
  const bodies = [...s.matchAll(/<<'(ETCLAB_EOF_\d+)'\n([\s\S]*?)\n\1/g)].map((m) => Buffer.from(m[2].replace(/\n/g, ''), 'base64').toString('utf8'));
  return [s, ...bodies].join('\n');
}
