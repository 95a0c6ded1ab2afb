// `etclab pulumi` against the lab, offline mode (the mode that runs where the command provider plugin cannot be
// had, as here): the whole stack up from nothing, a second up that changes nothing, one NodeManager heap
// changed → preview lists only its steps → up restarts only its daemons, `etclab up` agrees, destroy leaves
// no daemon. No secret in the state, the step logs, the engine's output or any process's argv meanwhile.
// Command mode keeps its mock tests (stack.test.ts, offline.test.ts): its plugin is not obtainable here.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { allCmdlines, etclab, LAB_UP, labSkipReason, secretLeaks } from '../test/cli.ts';
import { cachedCliRoot, sdkVersion } from '../ops/pulumi-env.ts';
import type { ClusterStatus } from '../provision/status/status.ts';

const LAB = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
const cli = path.join(cachedCliRoot(sdkVersion()), 'bin', 'pulumi');
const why = labSkipReason ?? (existsSync(cli) ? null : `no Pulumi CLI at ${cli}: scripts/setup builds it (scripts/build-pulumi)`);

interface PulumiJson {
  ok: boolean;
  provider: string;
  changes: Array<{ stepId: string; op: string; why?: string }>;
  seconds: number;
  state: string;
}

describe.skipIf(!!why)(`etclab pulumi (offline mode) on the lab${why ? ` — skipped: ${why}` : ''}`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'etclab-pulumi-'));
  // A copy of the lab's inventory (absolute paths, the lab's stateDir), so the heap edit never touches the lab's own.
  const inventory = path.join(dir, 'inventory.yaml');
  const pulumi = async (...args: string[]): Promise<{ json: PulumiJson; stderr: string }> => {
    const r = await etclab(['-i', inventory, 'pulumi', ...args, '--json'], { timeoutMs: 1_500_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    return { json: JSON.parse(r.stdout) as PulumiJson, stderr: r.stderr };
  };
  const status = async (): Promise<ClusterStatus> => JSON.parse((await etclab(['-i', inventory, 'status', '--json'])).stdout) as ClusterStatus;
  const secrets = () => readdirSync(path.join(LAB, 'secrets')).map((f) => readFileSync(path.join(LAB, 'secrets', f), 'utf8'));
  const engineOutput: string[] = [];
  const argvSeen = new Set<string>();
  let sampler: NodeJS.Timeout;

  beforeAll(async () => {
    expect((await etclab(LAB_UP)).code).toBe(0);
    writeFileSync(inventory, readFileSync(path.join(LAB, 'inventory.yaml'), 'utf8'));
    // From nothing: no daemon, no data (the suites before left the stack up).
    const purge = await etclab(['-i', inventory, 'down', '--purge', '--yes'], { timeoutMs: 900_000 });
    expect(purge.code, purge.stderr).toBe(0);
    sampler = setInterval(() => allCmdlines().forEach((c) => argvSeen.add(c)), 200);
  }, 1_200_000);

  afterAll(() => clearInterval(sampler));

  it('pulumi up brings the whole stack up from nothing, status is all healthy, a second up changes nothing', async () => {
    const up = await pulumi('up', '--yes', '--provider', 'offline');
    engineOutput.push(up.stderr);
    expect(up.json.ok).toBe(true);
    expect(up.json.provider).toBe('offline');
    console.log(`pulumi up from nothing: ${up.json.seconds.toFixed(1)} s, ${up.json.changes.length} steps`);
    const st = await status();
    expect(st.daemons.filter((d) => d.state !== 'running' || !d.healthy).map((d) => `${d.node} ${d.service} ${d.role}: ${d.health}`)).toEqual([]);
    for (const s of st.services) expect(s.healthy, `${s.service}: ${s.detail}`).toBe(true);
    const again = await pulumi('up', '--yes');
    engineOutput.push(again.stderr);
    expect(again.json.changes).toEqual([]);
  }, 1_500_000);

  it("one NodeManager heap changed: preview lists only YARN's NodeManager steps, up restarts only them, etclab up agrees", async () => {
    const before = await status();
    const doc = parseDocument(readFileSync(inventory, 'utf8'));
    doc.setIn(['services', 'yarn', 'heap'], doc.createNode({ nodemanager: '224m' }));
    writeFileSync(inventory, doc.toString());
    const nm = ['node1', 'node2', 'node3'].flatMap((n) => [`yarn/${n}/configure:nodemanager`, `yarn/${n}/start:nodemanager`, `yarn/${n}/health:nodemanager`]);
    const expected = [...nm, 'yarn/*/health'].sort();

    const preview = await pulumi('preview');
    expect(preview.json.changes.map((c) => c.stepId).sort()).toEqual(expected);
    expect(preview.json.changes.find((c) => c.stepId === 'yarn/node2/start:nodemanager')!.why).toMatch(/(config|script) changed/);
    const up = await pulumi('up', '--yes');
    engineOutput.push(preview.stderr, up.stderr);
    expect(up.json.changes.map((c) => c.stepId).sort()).toEqual(expected);

    const after = await status();
    const pid = (s: ClusterStatus, d: ClusterStatus['daemons'][number]) => s.daemons.find((x) => x.node === d.node && x.service === d.service && x.role === d.role)!.pid;
    for (const d of before.daemons) {
      const restarted = d.service === 'yarn' && d.role === 'nodemanager';
      expect(pid(after, d) !== d.pid, `${d.node} ${d.service} ${d.role}`).toBe(restarted);
    }
    expect(after.daemons.every((d) => d.state === 'running' && d.healthy && !d.staleConfig)).toBe(true);
    const cliUp = await etclab(['-i', inventory, 'up'], { timeoutMs: 900_000 });
    expect(cliUp.code, cliUp.stderr).toBe(0);
    expect(cliUp.stderr).toMatch(/nothing changed/);
  }, 1_200_000);

  it('pulumi destroy leaves no JVM and no etclab process on any node; no secret in the state, logs, engine output or argv', async () => {
    const down = await pulumi('destroy', '--yes');
    engineOutput.push(down.stderr);
    expect(down.json.ok).toBe(true);
    const left = allCmdlines().filter((c) => c.includes(`${LAB}/nodes/`) && !/\bsshd\b/.test(c));
    expect(left).toEqual([]);
    expect((await status()).daemons.filter((d) => d.state === 'running')).toEqual([]);
    clearInterval(sampler);

    const stateDir = path.join(LAB, 'state');
    const files = (readdirSync(stateDir, { recursive: true }) as string[]).map((f) => path.join(stateDir, f)).filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.includes(`${path.sep}pulumi${path.sep}`) && f.endsWith('.json'))).toBe(true); // the stack's state is there
    const outFile = path.join(dir, 'engine-output.txt');
    writeFileSync(outFile, engineOutput.join('\n'));
    expect(await secretLeaks([...files, outFile], [...argvSeen], secrets())).toEqual([]);
  }, 900_000);
});
