// Real `pulumi up` against the lab: the Automation API runs stacks/program.ts inline (so the Node.js language
// host binary is not needed), with a local file backend. Needs the pulumi CLI and the command provider on
// PATH, and a lab that is up (`etclab lab up`). Never takes the lab down; destroys only what it created.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { LocalWorkspace, type EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { etclabProgram, repoRoot } from './program.ts';
import { cachedCliRoot, sdkVersion } from '../ops/pulumi-env.ts';

const PULUMI_BIN = process.env.PULUMI_BIN ?? path.join(cachedCliRoot(sdkVersion()), 'bin');
const PATH = `${PULUMI_BIN}:${process.env.PATH}`;
const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { env: { ...process.env, PATH } }).status === 0;
const labInventory = labInventoryPath();
const why = [
  process.env.ETCLAB_E2E !== '1' && 'set ETCLAB_E2E=1',
  !onPath('pulumi') && `pulumi CLI not on PATH nor in ${PULUMI_BIN} (scripts/build-pulumi)`,
  !onPath('pulumi-resource-command') &&
    'pulumi-resource-command not on PATH: the Go module proxy does not serve github.com/pulumi/pulumi-command/provider (untagged nested module; `scripts/build-pulumi --with-plugins` tries it). The offline mode runs without it: runPulumi in ops/pulumi.ts',
  !existsSync(labInventory) && `no lab inventory at ${labInventory} (etclab lab up)`,
].filter(Boolean);

const status = (inventory: string) =>
  JSON.parse(execFileSync(process.execPath, [path.join(repoRoot, 'bin/etclab.mjs'), '--inventory', inventory, 'status', '--json'], { encoding: 'utf8', timeout: 120_000 }));

describe.skipIf(why.length > 0)(`pulumi up/destroy against the lab${why.length ? ` (skipped: ${why.join('; ')})` : ''}`, () => {
  it('up makes every service healthy, a redis config edit touches only redis, destroy stops everything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-pulumi-e2e-'));
    // A copy, so the maxmemory edit never touches the lab's own inventory.
    const inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, readFileSync(labInventory, 'utf8'));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: 'e2e', projectName: 'etclab', program: etclabProgram },
      {
        envVars: {
          PATH,
          PULUMI_BACKEND_URL: `file://${dir}`,
          PULUMI_CONFIG_PASSPHRASE: 'test',
          PULUMI_SKIP_UPDATE_CHECK: '1',
          // No download of plugins: only what is on PATH (the lab has no internet anyway).
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
        },
      },
    );
    await stack.setConfig('etclab:inventory', { value: inventory });
    try {
      const up = await stack.up({ onOutput: (s) => process.stderr.write(s) });
      expect(up.summary.result).toBe('succeeded');
      const st = status(inventory);
      expect(st.services.length).toBeGreaterThan(0);
      for (const s of st.services) expect(s.healthy, `${s.service}: ${s.detail}`).toBe(true);

      const doc = parseDocument(readFileSync(inventory, 'utf8'));
      doc.setIn(['services', 'redis', 'settings', 'maxmemory'], '96mb');
      writeFileSync(inventory, doc.toString());
      const touched: string[] = [];
      const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        if (m && m.op !== 'same' && m.type.startsWith('command:')) touched.push(m.urn.split('::').pop()!);
      };
      const again = await stack.up({ onEvent, onOutput: (s) => process.stderr.write(s) });
      expect(again.summary.result).toBe('succeeded');
      expect(touched.length).toBeGreaterThan(0);
      expect(touched.filter((n) => !n.startsWith('redis/'))).toEqual([]);
      expect(touched.some((n) => /^redis\/[^/]+\/start:/.test(n))).toBe(true);
      const redisUp = status(inventory).services.find((s: { service: string }) => s.service === 'redis');
      expect(redisUp.healthy).toBe(true);
    } finally {
      const down = await stack.destroy({ onOutput: (s) => process.stderr.write(s) });
      expect(down.summary.result).toBe('succeeded');
    }
    const after = status(inventory);
    expect(after.daemons.filter((d: { state: string }) => d.state === 'running')).toEqual([]);
  }, 1_800_000);
});
