import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';
import { pipelineConfig } from '../../provision/services/pipeline/index.ts';
import { serviceConfigFile } from './config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'etclab-pipeline-config-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('the consumer config file', () => {
  it('reads what the pipeline module renders (secrets filled in by the executor)', async () => {
    const i = fixtureInventory(['zookeeper', 'redis', 'mariadb', 'kafka', 'hdfs', 'hbase', 'proxy', 'pipeline']);
    const text = pipelineConfig({ inventory: i, spec: i.services.pipeline, node: i.nodes[0], role: 'consumer' }).replace(/\{\{secret:[^}]+\}\}/g, 'pw');
    const cfg = await serviceConfigFile(write('ok.json', text));
    expect(cfg).toMatchObject({ role: 'consumer', topic: 'etc_traffic_data', group: 'etc_pipeline', chunk: 2000, partitions: 3, flowDetector: 'ewma' });
    expect(cfg.mysql).toEqual({ host: '10.213.7.11', port: 8066, user: 'etc', password: 'pw', database: 'etc' });
    expect(cfg.clones).toEqual({ gapMs: 600_000, outOfOrdernessMs: 7 * 86_400_000 });
    expect(cfg.flowFinalMs).toBe(300_000);
  });

  it('names the file and the field that is wrong', async () => {
    await expect(serviceConfigFile(write('bad.json', '{"role":"consumer"'))).rejects.toThrow(/bad\.json: not JSON/);
    const base = { role: 'consumer', partitions: 3, flowDetector: 'ewma', flowFinalMs: 60_000, topic: 't', group: 'g', chunk: 10, clones: { gapMs: 1, outOfOrdernessMs: 1 }, brokers: ['a:1'],
      mysql: { host: 'h', port: 1, user: 'u', password: 'p', database: 'd' }, redis: { host: 'h', port: 2 }, hbase: { thrift: { host: 'h', port: 3 }, admin: { host: 'h', port: 4 } }, status: { host: 'h', port: 5 } };
    await expect(serviceConfigFile(write('chunk.json', JSON.stringify({ ...base, chunk: 0 })))).rejects.toThrow(/chunk\.json: field chunk must be a positive integer/);
    await expect(serviceConfigFile(write('port.json', JSON.stringify({ ...base, hbase: { thrift: { host: 'h' }, admin: base.hbase.admin } })))).rejects.toThrow(/field hbase\.thrift\.port/);
    await expect(serviceConfigFile(write('role.json', JSON.stringify({ ...base, role: 'boss' })))).rejects.toThrow(/field role must be consumer or warner/);
    await expect(serviceConfigFile(path.join(dir, 'absent.json'))).rejects.toThrow(/absent\.json: cannot read the pipeline config/);
  });
});
