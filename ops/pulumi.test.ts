// `etclab pulumi`'s pieces without an engine: progress lines from engine events, the summary, where the CLI
// and the passphrase come from.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineEvent } from '@pulumi/pulumi/automation/index.js';
import { fixtureInventory } from '../test/fixtures/inventory.ts';
import { pulumiProgress, whyChanged } from './pulumi-progress.ts';
import { summarize } from './pulumi.ts';
import { findPulumiCli, passphraseEnv, pulumiPaths, PASSPHRASE_SECRET } from './pulumi-env.ts';

const urn = (name: string, type = 'pulumi-nodejs:dynamic/etclab:Step') => `urn:pulumi:lab::etclab::${type}::${name}`;
const ev = (e: Partial<EngineEvent>) => ({ sequence: 0, timestamp: 0, ...e }) as EngineEvent;
const meta = (op: string, name: string, extra: Record<string, unknown> = {}) => ({ op, urn: urn(name), type: 'pulumi-nodejs:dynamic/etclab:Step', provider: '', ...extra }) as never;
const titles = new Map([
  ['redis/node1/start:server', { title: 'start redis on node1', phase: 'start' }],
  ['redis/node1/health:server', { title: 'check redis on node1', phase: 'health' }],
]);
const inputs = (o: Record<string, unknown>) => ({ node: 'node1', service: 'redis', stepId: 's', scriptHash: 'a', inputsHash: 'b', ...o });

describe('progress in the plan\'s words', () => {
  it('up: a line when a step starts and one when it is done, with its detail and time; the stack itself is not a step', () => {
    const p = pulumiProgress(titles, false);
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: { op: 'create', urn: urn('etclab-lab', 'pulumi:pulumi:Stack'), type: 'pulumi:pulumi:Stack' } as never } }), 0)).toEqual([]);
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: meta('create', 'redis/node1/start:server') } }), 1000)).toEqual(['→ start redis on node1: running']);
    expect(p.onEvent(ev({ resOutputsEvent: { metadata: meta('create', 'redis/node1/start:server', { new: { outputs: { detail: 'started server (pid 42)' } } }) } }), 2500)).toEqual([
      '✓ start redis on node1 (create, 1.5s): started server (pid 42)',
    ]);
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: meta('same', 'redis/node1/health:server') } }), 3000)).toEqual([]);
    expect(p.changes()).toEqual([{ stepId: 'redis/node1/start:server', op: 'create' }]);
    expect(p.unchanged()).toBe(1);
  });

  it('preview: what would happen and why; a failure names the step; the shim-from-PATH warning is not news', () => {
    const p = pulumiProgress(titles, true);
    const upd = meta('update', 'redis/node1/start:server', { old: { inputs: inputs({ inputsHash: 'b' }) }, new: { inputs: inputs({ inputsHash: 'c' }) } });
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: upd } }), 0)).toEqual([
      '  ~ start redis on node1: will run again (restarts the daemon if its config changed) — its config changed',
    ]);
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: meta('delete', 'redis/node1/health:server') } }), 0)).toEqual(['  - check redis on node1: will forget (nothing to undo on the node)']);
    expect(p.onEvent(ev({ diagnosticEvent: { severity: 'warning', message: 'using pulumi-resource-pulumi-nodejs from $PATH at /x', color: 'never' } }), 0)).toEqual([]);
    expect(p.onEvent(ev({ diagnosticEvent: { urn: urn('redis/node1/start:server'), severity: 'error', message: 'exit code 3\nport 6379 is taken', color: 'never' } }), 0)).toEqual([
      '✗ start redis on node1: exit code 3\n    port 6379 is taken',
    ]);
  });

  it('why: the script before the config; a change nothing visible explains is a secret\'s (masked in events)', () => {
    const masked = { secretsDigest: { ciphertext: '[secret]' } };
    expect(whyChanged(inputs({ scriptHash: 'x', inputsHash: 'y' }), inputs({}), 'start')).toBe('its script changed');
    expect(whyChanged(inputs({ inputsHash: 'y' }), inputs({}), 'health')).toBe('the daemon it checks changed');
    expect(whyChanged(inputs(masked), inputs({ ...masked }), 'configure')).toBe('a secret it uses changed');
    expect(whyChanged(inputs({}), inputs({}), 'configure')).toBeUndefined();
  });

  it('summary counts steps, not the stack resource', () => {
    expect(summarize('up', true, [{ stepId: 'a', op: 'update' }, { stepId: 'b', op: 'update' }], 40, 12.34)).toBe('pulumi up done: 2 steps changed (2 run again, 40 unchanged), wall 12.3s');
    expect(summarize('preview', true, [], 42, 2)).toBe('pulumi preview: nothing would change (42 unchanged), wall 2.0s');
    expect(summarize('destroy', false, [], 0, 1)).toBe('pulumi destroy FAILED, wall 1.0s');
  });
});

describe('what `etclab pulumi` needs from the machine', () => {
  it('no CLI on PATH or in the cache: says how to build it', () => {
    expect(() => findPulumiCli({ PATH: '' }, '0.0.0-not-built')).toThrow(/scripts\/build-pulumi/);
  });

  it('a CLI on PATH is used as is', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-pulumi-cli-'));
    writeFileSync(path.join(dir, 'pulumi'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findPulumiCli({ PATH: `/nonexistent:${dir}` }, '0.0.0-not-built')).toBe(path.dirname(dir));
  });

  it('passphrase: generated once into the state dir (0600) and kept; the inventory\'s pulumi_passphrase wins', async () => {
    const inv = fixtureInventory(['redis']);
    inv.stateDir = mkdtempSync(path.join(os.tmpdir(), 'etclab-pulumi-state-'));
    const paths = pulumiPaths(inv);
    const first = await passphraseEnv(inv, paths);
    expect(first).toEqual({ PULUMI_CONFIG_PASSPHRASE_FILE: paths.passphraseFile });
    expect(statSync(paths.passphraseFile).mode & 0o777).toBe(0o600);
    const value = readFileSync(paths.passphraseFile, 'utf8');
    expect(value.trim().length).toBeGreaterThanOrEqual(40);
    await passphraseEnv(inv, paths);
    expect(readFileSync(paths.passphraseFile, 'utf8')).toBe(value);

    const file = path.join(inv.stateDir, 'pp');
    writeFileSync(file, 'Team-passphrase-1234\n', { mode: 0o600 });
    inv.secrets[PASSPHRASE_SECRET] = { file };
    expect(await passphraseEnv(inv, paths)).toEqual({ PULUMI_CONFIG_PASSPHRASE: 'Team-passphrase-1234' });
  });
});

describe('a step the plan no longer has', () => {
  it('is named from its state (destroying a service removed from the inventory)', () => {
    const p = pulumiProgress(new Map(), false);
    const m = meta('delete', 'kafka/node2/start:broker', { old: { outputs: { title: 'start kafka broker on node2', step: { phase: 'start' } } } });
    expect(p.onEvent(ev({ resourcePreEvent: { metadata: m } }), 0)).toEqual(['→ start kafka broker on node2: stop the daemon']);
  });
});
