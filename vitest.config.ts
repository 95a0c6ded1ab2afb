import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Lab suites share one lab: the lab suite and the foundation suite make and remove it, the console suite brings the full
// stack up, the stack suite ends with `down`. Everything else (no lab) runs first.
const LAB_ORDER = [
  'provision/lab/lab.test.ts',
  'test/e2e/foundation.test.ts',
  'console/console.tmux.test.ts',
  'pipeline/service/pipeline.e2e.test.ts',
  'stacks/pulumi.e2e.test.ts',
  'test/e2e/stack.test.ts',
];
const rank = (id: string) => {
  const i = LAB_ORDER.findIndex((f) => id.endsWith(f));
  return i === -1 ? -1 : i;
};

class LabLastSequencer extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted].sort((a, b) => rank(a.moduleId) - rank(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', '.lab/**'],
    // Lab suites share one set of namespaces and ports: run files one at a time.
    fileParallelism: false,
    sequence: { sequencer: LabLastSequencer },
    // The JSON report lets .ci/run print one plain `N passed, N failed, N skipped` line.
    reporters: ['default', ['json', { outputFile: '.lab/vitest-report.json' }]],
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
