// The job template is Java and cannot import the contract module: its defaults are checked against it here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC, FLINK_CLONE_TOPIC, FLINK_FLOW_TOPIC, FLINK_JOB_GROUP } from '../../pipeline/contract/index.ts';

const java = readFileSync(new URL('./src/main/java/flink/etctraffic/StreamAnalysisJob.java', import.meta.url), 'utf8');
const constant = (name: string) => new RegExp(`static final String ${name} = "([^"]*)";`).exec(java)?.[1];

describe('the ETC job template', () => {
  it('defaults to the topic, group and output topics of the contract module', () => {
    expect({ topic: constant('DEFAULT_TOPIC'), group: constant('DEFAULT_GROUP'), flow: constant('DEFAULT_FLOW_TOPIC'), clone: constant('DEFAULT_CLONE_TOPIC') })
      .toEqual({ topic: DEFAULT_TOPIC, group: FLINK_JOB_GROUP, flow: FLINK_FLOW_TOPIC, clone: FLINK_CLONE_TOPIC });
  });
});
