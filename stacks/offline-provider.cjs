// The `offline` mode's dynamic provider: the part Pulumi serializes into every resource's state and runs with
// plain `node` (pulumi-resource-pulumi-nodejs). Kept plain CommonJS, tiny and stable on purpose:
// - plain JS loaded with Node's own require, so no TypeScript or bundler transform rewrites the methods'
//   text (vitest would turn `import()` into a helper the serializer cannot capture);
// - self-contained methods that only forward to the prebuilt executor entry (.build/cli/pulumi-step.mjs,
//   stacks/run-step.ts), which holds all the logic — a changed provider text makes Pulumi replace every
//   resource, a changed runner does not;
// - the runner path comes from $ETCLAB_STEP_RUNNER (set by `etclab pulumi`) or the resource's inputs.
'use strict';

async function forward(props, method, args) {
  const { pathToFileURL } = require('node:url');
  const runner = process.env.ETCLAB_STEP_RUNNER || props.runner;
  const m = await import(pathToFileURL(runner).href);
  return m.offlineProvider[method](...args);
}

module.exports = {
  check: async (olds, news) => ({ inputs: news }),
  diff: async (id, olds, news) => forward(news, 'diff', [id, olds, news]),
  create: async (inputs) => forward(inputs, 'create', [inputs]),
  update: async (id, olds, news) => forward(news, 'update', [id, olds, news]),
  delete: async (id, props) => forward(props, 'delete', [id, props]),
};
