// The effectful half of the mapping's inputs: secret values, the SSH key, host keys, manifest digests.
// Values are read once, and every secret leaves here already wrapped as a Pulumi secret.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import type { Inventory, NodeSpec } from '../provision/inventory/types.ts';
import { resolveSecret } from '../provision/inventory/resolve-secrets.ts';
import { checkHostKey, parseKnownHosts } from '../provision/executors/direct/known-hosts.ts';
import type { StackInputs } from './resources.ts';

/** Stack config key overriding an inventory secret: `pulumi config set --secret etclab:secret.<name> <value>`. */
export const secretConfigKey = (name: string) => `secret.${name}`;

/** Secrets set in stack config, which win over the inventory's references. */
export function configOverrides(inv: Inventory, cfg: pulumi.Config): Record<string, pulumi.Output<string>> {
  const out: Record<string, pulumi.Output<string>> = {};
  for (const name of Object.keys(inv.secrets)) {
    const v = cfg.getSecret(secretConfigKey(name));
    if (v) out[name] = v;
  }
  return out;
}

function readOrExplain(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** `type base64` of the key known_hosts holds for this node; ed25519 first when it holds several. */
export function knownHostKey(knownHostsText: string, node: NodeSpec): string | undefined {
  const entries = parseKnownHosts(knownHostsText).filter((e) => checkHostKey([e], node.address, node.ssh.port, e.key) === 'match');
  const best = entries.find((e) => e.keyType === 'ssh-ed25519') ?? entries[0];
  return best ? `${best.keyType} ${best.key.toString('base64')}` : undefined;
}

export function stackInputs(inv: Inventory, overrides: Record<string, pulumi.Output<string>>, repoRoot: string): StackInputs {
  const secrets = new Map<string, pulumi.Output<string>>();
  const keys = new Map<string, pulumi.Output<string>>();
  const knownHosts = new Map<string, string>();
  return {
    overridden: Object.keys(overrides),
    repoRoot,
    secret(name) {
      let v = secrets.get(name);
      if (!v) {
        v = overrides[name] ?? pulumi.secret(resolveSecret(inv, name));
        secrets.set(name, v);
      }
      return v;
    },
    privateKey(node) {
      let k = keys.get(node.ssh.key);
      if (!k) {
        k = pulumi.secret(readOrExplain(node.ssh.key, `SSH key of ${node.name}`).toString('utf8'));
        keys.set(node.ssh.key, k);
      }
      return k;
    },
    hostKey(node) {
      let text = knownHosts.get(node.ssh.knownHosts);
      if (text === undefined) {
        text = readOrExplain(node.ssh.knownHosts, `known_hosts of ${node.name}`).toString('utf8');
        knownHosts.set(node.ssh.knownHosts, text);
      }
      const key = knownHostKey(text, node);
      if (!key)
        throw new Error(
          `${node.name}: ${node.address} is not in ${node.ssh.knownHosts}; add its host key (ssh-keyscan -p ${node.ssh.port} ${node.address} >> ${node.ssh.knownHosts}) after checking its fingerprint`,
        );
      return key;
    },
    fileDigest: manifestDigest,
  };
}

/** sha256 of an artifact manifest: a sync step's fingerprint (the artifact changes, the copy runs again). */
export function manifestDigest(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    throw new Error(`artifact manifest ${file} is missing: prepare the artifacts first (etclab artifacts --help)`);
  }
}
