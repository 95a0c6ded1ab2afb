// Plan → Pulumi resource descriptions. No resource is created here (stacks/declare.ts does that), so the
// mapping is testable with plain data; the only Pulumi calls are on Outputs, to keep secrets marked secret.
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type * as command from '@pulumi/command';
import type { Inventory, NodeSpec } from '../provision/inventory/types.ts';
import { type FileSpec, type Plan, type Step } from '../provision/plan/types.ts';
import { filesScript, configDigest } from '../provision/plan/files-script.ts';
import { q } from '../provision/plan/daemon-scripts.ts';
import { topoOrder } from '../provision/plan/dag.ts';
import { coverageOf, foldCoverage, stopOf } from './coverage.ts';
import { secretEnvName } from '../ops/inventory.ts';
import { fillWith, secretNamesIn } from '../provision/executors/direct/secrets-fill.ts';

/** What the mapping needs from outside the plan: secret values (as Pulumi secrets) and local facts. */
export interface StackInputs {
  /** A secret's value, already marked secret. */
  secret(name: string): pulumi.Output<string>;
  /** The node's private SSH key, already marked secret. */
  privateKey(node: NodeSpec): pulumi.Output<string>;
  /** `type base64` of the node's host key from its known_hosts, or undefined when it is not there. */
  hostKey(node: NodeSpec): string | undefined;
  /** sha256 of a local file (artifact manifests); throws naming the file when it is missing. */
  fileDigest(file: string): string;
  /** Names of secrets overridden in stack config: the probe CLI cannot see those, so they go in its environment. */
  overridden: string[];
  /** Repository root, for `node <repo>/bin/etclab.mjs probe`. */
  repoRoot: string;
}

interface SpecBase {
  /** The step id: also the Pulumi resource name, so `pulumi stack` output reads like `etclab plan`. */
  name: string;
  step: Step;
  /** Step ids this resource waits for: exactly the step's deps. */
  dependsOn: string[];
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
}

export type ResourceSpec =
  | (SpecBase & { type: 'command:remote:Command'; args: command.remote.CommandArgs })
  | (SpecBase & { type: 'command:local:Command'; args: command.local.CommandArgs });

const sha256 = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

/** Text with `{{secret:NAME}}` filled from Pulumi secrets: a plain string when it holds none. */
function fill(text: string, inputs: StackInputs): pulumi.Input<string> {
  const names = secretNamesIn(text);
  if (!names.length) return text;
  return pulumi.all(names.map((n) => inputs.secret(n))).apply((values) => fillWith(text, new Map(names.map((n, i) => [n, values[i]!]))));
}

/** Files with their placeholders filled; an Output (secret) as soon as one file holds a secret. */
function fillFiles(files: FileSpec[], inputs: StackInputs): pulumi.Output<FileSpec[]> {
  return pulumi.all(files.map((f) => pulumi.output(fill(f.content, inputs)))).apply((contents) =>
    files.map((f, i) => ({ ...f, content: contents[i] })),
  );
}

function connection(node: NodeSpec, inputs: StackInputs): command.types.input.remote.ConnectionArgs {
  const hostKey = inputs.hostKey(node);
  return {
    host: node.address,
    port: node.ssh.port,
    user: node.ssh.user,
    privateKey: inputs.privateKey(node),
    ...(hostKey ? { hostKey } : {}),
    // A node that is down should fail the step quickly, not after 10 dial attempts.
    dialErrorLimit: 3,
  };
}

/** A bash script run on the node from stdin: the command line (remote argv) never holds a secret. */
const viaStdin = 'bash -s';
/** For scripts without secrets that must run where there is no stdin to give (delete). */
const inline = (script: string) => `bash -c ${q(script)}`;

/**
 * Maps every step of the 'up' plan to one resource. Deletion is the matching 'down' step (same service,
 * node and role), so `pulumi destroy` stops daemons in the order Pulumi derives from the same edges
 * reversed — which is the down plan's order.
 */
export function planToResources(plan: Plan, downPlan: Plan, inv: Inventory, inputs: StackInputs): ResourceSpec[] {
  topoOrder(plan.steps);
  const nodes = new Map(inv.nodes.map((n) => [n.name, n]));
  const nodeOf = (step: Step): NodeSpec => {
    const n = nodes.get(step.node);
    if (!n) throw new Error(`step ${step.id} runs on node "${step.node}", which is not in ${inv.file}`);
    return n;
  };
  // What a step's effect depends on (stacks/coverage.ts), over resolved contents like the digest file on the
  // node: a changed password restarts the daemon.
  const fingerprint = foldCoverage<pulumi.Output<string>, pulumi.Output<string>>(
    coverageOf(plan, inputs.fileDigest),
    (p) => ('files' in p ? fillFiles(p.files, inputs).apply(configDigest) : pulumi.output('text' in p ? fill(p.text, inputs) : p.raw)),
    (parts) => pulumi.all(parts).apply((v) => sha256(...v)),
  );

  return plan.steps.map((step): ResourceSpec => {
    const base = { name: step.id, step, dependsOn: [...step.deps] };
    const a = step.action;
    switch (a.kind) {
      case 'files': {
        const hasSecret = a.files.some((f) => secretNamesIn(f.content).length > 0);
        // Inputs change with content, so Pulumi runs `create` again (an update) when a file changes.
        const script = hasSecret ? fillFiles(a.files, inputs).apply((f) => filesScript(f, a.digest)) : filesScript(a.files, a.digest);
        return {
          ...base,
          type: 'command:remote:Command',
          args: { connection: connection(nodeOf(step), inputs), create: viaStdin, stdin: script, addPreviousOutputInEnv: false },
          ...(hasSecret ? { additionalSecretOutputs: ['stdout', 'stderr'] } : {}),
        };
      }
      case 'shell': {
        const stop = step.phase === 'start' ? stopOf(downPlan, step) : undefined;
        if (stop && (stop.action.kind !== 'shell' || secretNamesIn(stop.action.script).length))
          throw new Error(`stop step ${stop.id} must be a shell script without secrets: it runs as the delete command`);
        const secretful = secretNamesIn(a.script).length > 0;
        return {
          ...base,
          type: 'command:remote:Command',
          args: {
            connection: connection(nodeOf(step), inputs),
            create: viaStdin,
            stdin: fill(a.script, inputs),
            ...(stop && stop.action.kind === 'shell' ? { delete: inline(stop.action.script) } : {}),
            ...(step.phase === 'start' ? { triggers: [fingerprint(step.id)] } : {}),
            addPreviousOutputInEnv: false,
          },
          // Replacing a daemon = stop the old, then start the new; create-then-delete would stop the fresh one.
          ...(stop ? { deleteBeforeReplace: true } : {}),
          ...(secretful ? { additionalSecretOutputs: ['stdout', 'stderr'] } : {}),
        };
      }
      case 'probe': {
        const json = JSON.stringify(a.probe);
        // Secrets are named in the probe, never carried: only config overrides travel, in the environment.
        const named = Object.values(a.probe).filter((v): v is string => typeof v === 'string' && v in inv.secrets);
        const env = Object.fromEntries(
          [...new Set(named)].filter((n) => inputs.overridden.includes(n)).map((n) => [secretEnvName(n), inputs.secret(n)]),
        );
        const cli = path.join(inputs.repoRoot, 'bin', 'etclab.mjs');
        return {
          ...base,
          type: 'command:local:Command',
          args: {
            create: `node ${q(cli)} --inventory ${q(inv.file)} probe --timeout ${step.timeoutSec} --json ${q(json)}`,
            ...(Object.keys(env).length ? { environment: env } : {}),
            triggers: [fingerprint(step.id)],
            addPreviousOutputInEnv: false,
          },
        };
      }
      case 'task': {
        // Controller-side protocol work (reset): the same task code as the direct executor, through the CLI.
        const cli = path.join(inputs.repoRoot, 'bin', 'etclab.mjs');
        return {
          ...base,
          type: 'command:local:Command',
          args: {
            create: `node ${q(cli)} --inventory ${q(inv.file)} task ${q(a.task)} --json ${q(JSON.stringify(a.params))}`,
            triggers: [fingerprint(step.id)],
            addPreviousOutputInEnv: false,
          },
        };
      }
      case 'sync': {
        const n = nodeOf(step);
        return {
          ...base,
          type: 'command:local:Command',
          args: {
            create: syncCommand(n, a.from, a.to, a.manifest),
            interpreter: ['/bin/bash', '-c'],
            triggers: [fingerprint(step.id)],
            addPreviousOutputInEnv: false,
          },
        };
      }
    }
  });
}

/**
 * tar over the system ssh, checked against the inventory's known_hosts (CopyToRemote would skip host key
 * checking and re-hash hundreds of MB of jars on every preview). Same marker file as the direct executor,
 * so the two executors agree on what is already on a node.
 */
export function syncCommand(node: NodeSpec, from: string, to: string, manifest: string): string {
  const marker = `${to}/.etclab-manifest.sha256`;
  const tmp = `${to}.etclab-tmp`;
  const ssh = [
    'ssh', '-i', q(node.ssh.key), '-p', String(node.ssh.port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', q(`UserKnownHostsFile=${node.ssh.knownHosts}`), q(`${node.ssh.user}@${node.address}`),
  ].join(' ');
  const unpack = `set -e; rm -rf ${q(tmp)}; mkdir -p ${q(tmp)}; tar -C ${q(tmp)} -xf -; rm -rf ${q(to)}; mv ${q(tmp)} ${q(to)}; echo "$1" > ${q(marker)}`;
  return `set -euo pipefail
sum=$(sha256sum ${q(manifest)} | cut -c1-64)
if [ "$(${ssh} ${q(`cat ${q(marker)} 2>/dev/null || true`)})" = "$sum" ]; then echo "ETCLAB_UNCHANGED ${to} up to date"; exit 0; fi
tar -C ${q(from)} -cf - . | ${ssh} ${q(`bash -c ${q(unpack)} _`)} "$sum"
echo "ETCLAB_CHANGED copied ${path.basename(to)}"
`;
}
