import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecret, secretValues } from './resolve-secrets.ts';
import type { Inventory } from './types.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'etclab-sec-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function inv(secrets: Inventory['secrets']): Inventory {
  return { file: '/x/etclab.yaml', cluster: 't', profile: 'lab', stateDir: '/x/.etclab', nodes: [], secrets, services: {} };
}

describe('resolveSecret', () => {
  it('reads {env} from the given environment', async () => {
    expect(await resolveSecret(inv({ a: { env: 'A_PW' } }), 'a', { env: { A_PW: 's3cret-pw' } })).toBe('s3cret-pw');
  });

  it('reads {file} and drops the trailing newline only', async () => {
    const f = path.join(tmp, 'pw');
    await writeFile(f, '  pass word \n');
    expect(await resolveSecret(inv({ a: { file: f } }), 'a')).toBe('  pass word ');
    await writeFile(f, 'crlf-ending\r\n');
    expect(await resolveSecret(inv({ a: { file: f } }), 'a')).toBe('crlf-ending');
  });

  it('names the secret and how to provide it when it cannot be read', async () => {
    await expect(resolveSecret(inv({ a: { env: 'A_PW' } }), 'a', { env: {} })).rejects.toThrow(
      'secret "a": environment variable A_PW is not set; export A_PW=<value> before running etclab',
    );
    const missing = path.join(tmp, 'absent');
    await expect(resolveSecret(inv({ a: { file: missing } }), 'a')).rejects.toThrow(`secret "a": file ${missing} not found; write the secret into it`);
    await expect(resolveSecret(inv({}), 'b')).rejects.toThrow('secret "b" is not defined in /x/etclab.yaml; add it under secrets: as b: {env: VAR} or {file: path}');
    const empty = path.join(tmp, 'empty');
    await writeFile(empty, '\n');
    await expect(resolveSecret(inv({ a: { file: empty } }), 'a')).rejects.toThrow(`secret "a": file ${empty} is empty`);
  });

  it('refuses a secret no config file can carry, or too short to be one', async () => {
    await expect(resolveSecret(inv({ a: { env: 'A' } }), 'a', { env: { A: 'two\nlines-pw' } })).rejects.toThrow('secret "a": environment variable A holds a line break or NUL inside the value; a secret is one line');
    await expect(resolveSecret(inv({ a: { env: 'A' } }), 'a', { env: { A: '密码12' } })).rejects.toThrow('secret "a": environment variable A holds 4 characters; use at least 8');
    expect(await resolveSecret(inv({ a: { env: 'A' } }), 'a', { env: { A: `p@ss'w"o\\rd $HOME #1 %s 密码` } })).toBe(`p@ss'w"o\\rd $HOME #1 %s 密码`);
  });
});

describe('secretValues', () => {
  it('returns every value once, longest first (for redaction)', async () => {
    const f = path.join(tmp, 'long');
    await writeFile(f, 'abcdefgh\n');
    const values = await secretValues(inv({ a: { env: 'A' }, b: { file: f }, c: { env: 'C' } }), { env: { A: 'abcdefghij', C: 'abcdefghij' } });
    expect(values).toEqual(['abcdefghij', 'abcdefgh']);
  });

  it('fails when any secret is unavailable rather than redacting too little', async () => {
    await expect(secretValues(inv({ a: { env: 'A' }, b: { env: 'B' } }), { env: { A: 'xxxxxxxx' } })).rejects.toThrow('environment variable B is not set');
  });
});
