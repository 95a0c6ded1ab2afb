// Where `etclab pulumi` keeps Pulumi's files and how it finds what Pulumi needs: the CLI binary, the stack's
// passphrase, the offline provider's executor bundle. Everything lives under the inventory's stateDir, so two
// clusters never share a backend and nothing is written to $HOME or the checkout.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Inventory } from '../provision/inventory/types.ts';
import { resolveSecret } from '../provision/inventory/resolve-secrets.ts';
import { bundled, repoRoot, stepRunnerPath } from '../stacks/program.ts';
import { UserError } from './errors.ts';

/** The inventory secret that, when defined, is the stack's passphrase. */
export const PASSPHRASE_SECRET = 'pulumi_passphrase';

export interface PulumiPaths {
  root: string;
  /** `file://` backend: the stacks' state (checkpoints, history, backups). */
  backend: string;
  /** PULUMI_HOME: plugins, credentials, workspace files. */
  home: string;
  /** The workspace: Pulumi.yaml and Pulumi.<stack>.yaml (stack config, e.g. etclab:provider). */
  project: string;
  /** The generated passphrase (when the inventory defines no pulumi_passphrase). */
  passphraseFile: string;
}

export function pulumiPaths(inv: Inventory): PulumiPaths {
  const root = path.join(inv.stateDir, 'pulumi');
  return { root, backend: path.join(root, 'backend'), home: path.join(root, 'home'), project: path.join(root, 'project'), passphraseFile: path.join(root, 'passphrase') };
}

/** The @pulumi/pulumi SDK's version: the CLI must match it (the setup builds exactly that one). */
export function sdkVersion(root = repoRoot): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules/@pulumi/pulumi/package.json'), 'utf8')) as { version: string }).version;
}

/** Where scripts/build-pulumi (stacks/build-pulumi.sh) puts the CLI it builds. */
export const cachedCliRoot = (version: string) => path.join(os.homedir(), '.cache', 'etclab', 'pulumi', `v${version}`);

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Pulumi CLI's directory (holding bin/pulumi): $PATH first, then the versioned cache; else how to build it. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env, version = sdkVersion()): string {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) if (executable(path.join(dir, 'pulumi'))) return path.dirname(dir);
  const cached = cachedCliRoot(version);
  if (executable(path.join(cached, 'bin', 'pulumi'))) return cached;
  throw new UserError(
    `no Pulumi CLI: not on PATH and not in ${path.join(cached, 'bin')}. Build it once (Go module proxy, ~13 min on 2 cores): scripts/build-pulumi (or bash stacks/build-pulumi.sh)`,
  );
}

/** True when the command provider's plugin is installed (then `command` mode can run here). */
export function hasCommandPlugin(env: NodeJS.ProcessEnv, home: string): boolean {
  if ((env.PATH ?? '').split(':').some((d) => d && executable(path.join(d, 'pulumi-resource-command')))) return true;
  const plugins = path.join(home, 'plugins');
  return existsSync(plugins) && readdirSync(plugins).some((d) => d.startsWith('resource-command-'));
}

/**
 * The passphrase that encrypts the stack's secrets: the inventory's `pulumi_passphrase` secret when defined
 * (a reference like every other secret: kept wherever the operator keeps secrets, and redacted from step
 * logs), else one generated once into <stateDir>/pulumi/passphrase (0600) so a first run needs no setup.
 * The stack's secrets are only digests, so a lost generated file costs a `destroy` + `up`, not a secret.
 */
export async function passphraseEnv(inv: Inventory, paths: PulumiPaths): Promise<Record<string, string>> {
  if (inv.secrets[PASSPHRASE_SECRET]) return { PULUMI_CONFIG_PASSPHRASE: await resolveSecret(inv, PASSPHRASE_SECRET) };
  if (!existsSync(paths.passphraseFile)) {
    mkdirSync(paths.root, { recursive: true, mode: 0o700 });
    writeFileSync(paths.passphraseFile, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return { PULUMI_CONFIG_PASSPHRASE_FILE: paths.passphraseFile };
}

/**
 * The offline provider's executor entry, as fresh as the code running: the bundled CLI uses the entry built
 * with it (bin/etclab.mjs checked both at start); from source (tsx, vitest), `etclab --version` rebuilds the
 * bundle and the entry beside it when a source is newer — the check every `etclab` run makes.
 */
export function freshStepRunner(root = repoRoot): string {
  if (bundled && existsSync(stepRunnerPath(root))) return stepRunnerPath(root);
  execFileSync(process.execPath, [path.join(root, 'bin', 'etclab.mjs'), '--version'], { env: { ...process.env, ETCLAB_DEV: '' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const runner = stepRunnerPath(root);
  if (!existsSync(runner)) throw new Error(`the offline provider's executor entry ${runner} is missing after building the CLI (scripts/build-cli.mjs)`);
  return runner;
}

/** The environment of the Pulumi CLI, its engine and the provider processes it starts. */
export function engineEnv(paths: PulumiPaths, runner: string, passphrase: Record<string, string>): Record<string, string> {
  const sdk = path.join(repoRoot, 'node_modules', '@pulumi', 'pulumi');
  return {
    PULUMI_BACKEND_URL: `file://${paths.backend}`,
    PULUMI_HOME: paths.home,
    PULUMI_SKIP_UPDATE_CHECK: '1',
    // Nothing is downloaded at run time: only plugins already here are used.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    // The dynamic provider's shim (pulumi-resource-pulumi-nodejs) ships with the SDK; it is found on PATH and
    // resolves @pulumi/pulumi/cmd/dynamic-provider from NODE_PATH (the workspace is not the checkout).
    PATH: `${sdk}:${process.env.PATH ?? ''}`,
    NODE_PATH: path.join(repoRoot, 'node_modules'),
    ETCLAB_STEP_RUNNER: runner,
    ...passphrase,
  };
}
