// The one CLI: `etclab <command>`. Each command group lives in cli/commands/ and is loaded only when its
// command runs, so `etclab status` does not pay for the console's React or the replay's Kafka client.
// `etclab --help` prints the help the build wrote (scripts/build-cli.mjs) without loading any command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.ts';

type Register = (program: Command) => void;

/** Command name → the module that registers it. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  lab: () => import('./commands/lab.ts').then((m) => m.registerLabCommands),
  plan: () => import('./commands/plan.ts').then((m) => m.registerPlanCommand),
  ports: () => import('./commands/ports.ts').then((m) => m.registerPortsCommand),
  ...Object.fromEntries(['up', 'down', 'start', 'stop', 'restart', 'status'].map((c) => [c, () => import('./commands/cluster.ts').then((m) => m.registerClusterCommands)])),
  data: () => import('./commands/data.ts').then((m) => m.registerDataCommands),
  replay: () => import('./commands/replay.ts').then((m) => m.registerReplayCommands),
  reset: () => import('./commands/reset.ts').then((m) => m.registerResetCommand),
  pipeline: () => import('./commands/pipeline.ts').then((m) => m.registerPipelineCommands),
  flink: () => import('./commands/flink.ts').then((m) => m.registerFlinkCommands),
  dashboard: () => import('./commands/dashboard.ts').then((m) => m.registerDashboardCommand),
  query: () => import('./commands/query.ts').then((m) => m.registerQueryCommands),
  artifacts: () => import('./commands/artifacts.ts').then((m) => m.registerArtifactsCommands),
  console: () => import('./commands/console.ts').then((m) => m.registerConsoleCommand),
  probe: () => import('./commands/probe.ts').then((m) => m.registerProbeCommand),
  task: () => import('./commands/probe.ts').then((m) => m.registerTaskCommand),
  pulumi: () => import('./commands/pulumi.ts').then((m) => m.registerPulumiCommand),
};

declare const __ETCLAB_BUNDLED__: boolean | undefined;
const bundled = typeof __ETCLAB_BUNDLED__ !== 'undefined';
const pkgUrl = new URL(bundled ? '../../package.json' : '../package.json', import.meta.url);

function version(): string {
  return (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;
}

function newProgram(): Command {
  return new Command()
    .name('etclab')
    .description('Bring up, watch, reset and tear down the three-node ETC big-data lab')
    .version(version(), '-V, --version')
    .option('-i, --inventory <file>', 'inventory file (default: $ETCLAB_INVENTORY, ./etclab.yaml, or the lab\'s)')
    .showHelpAfterError()
    .exitOverride();
}

/** Every command registered: what `--help` shows (and what the build writes to help.txt). */
export async function fullProgram(): Promise<Command> {
  const program = newProgram();
  const seen = new Set<Register>();
  for (const load of Object.values(COMMANDS)) {
    const register = await load();
    if (seen.has(register)) continue;
    seen.add(register);
    register(program);
  }
  return program;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** The command word of argv: the first argument that is not an option or the value of -i/--inventory. */
export function commandWord(args: string[]): string | undefined {
  return args.find((a, i) => !a.startsWith('-') && !['-i', '--inventory'].includes(args[i - 1] ?? ''));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const word = commandWord(args);
  if (word === undefined) {
    if (args.includes('-V') || args.includes('--version')) return void console.log(version());
    const helpFile = new URL('help.txt', import.meta.url);
    if (bundled) {
      try {
        process.stdout.write(readFileSync(helpFile, 'utf8'));
        if (!args.includes('--help') && !args.includes('-h')) process.exitCode = EXIT.usage;
        return;
      } catch {
        // No help.txt beside the bundle: build the help below.
      }
    }
    const program = await fullProgram();
    if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(program.helpInformation());
    process.stderr.write(program.helpInformation());
    process.exitCode = EXIT.usage;
    return;
  }
  const load = COMMANDS[word];
  if (!load) {
    const nearest = Object.keys(COMMANDS).sort((a, b) => distance(word, a) - distance(word, b))[0]!;
    console.error(`etclab: unknown command "${word}"${distance(word, nearest) <= 3 ? `; did you mean "${nearest}"?` : ''} (etclab --help lists them)`);
    process.exitCode = EXIT.usage;
    return;
  }
  const program = newProgram();
  (await load())(program);
  await program.parseAsync(process.argv);
}

try {
  if (process.env.ETCLAB_DUMP_HELP) process.stdout.write((await fullProgram()).helpInformation());
  else await main();
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? EXIT.ok : e.code === 'commander.version' ? EXIT.ok : EXIT.usage);
  const { isUsageError } = await import('../ops/errors.ts');
  console.error(`etclab: ${(e as Error).message}`);
  if (process.env.ETCLAB_DEBUG) console.error((e as Error).stack);
  process.exit(isUsageError(e) ? EXIT.usage : EXIT.failed);
}
