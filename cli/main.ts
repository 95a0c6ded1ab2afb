// The one CLI: `etclab <command>`. Each command group lives in cli/commands/.
import { Command, CommanderError } from 'commander';
import { InventoryError } from '../provision/inventory/types.ts';
import { UserError } from './context.ts';
import { registerLabCommands } from './commands/lab.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerClusterCommands } from './commands/cluster.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerReplayCommands } from './commands/replay.ts';
import { registerResetCommand } from './commands/reset.ts';
import { registerArtifactsCommands } from './commands/artifacts.ts';
import { registerConsoleCommand } from './commands/console.ts';
import { registerProbeCommand, registerTaskCommand } from './commands/probe.ts';
import { registerPipelineCommands } from './commands/pipeline.ts';

const program = new Command();
program
  .name('etclab')
  .description('Bring up, watch, reset and tear down the three-node ETC big-data lab')
  .option('-i, --inventory <file>', 'inventory file (default: $ETCLAB_INVENTORY, ./etclab.yaml, or the lab\'s)')
  .showHelpAfterError()
  .exitOverride();

registerLabCommands(program);
registerPlanCommand(program);
registerClusterCommands(program);
registerDataCommands(program);
registerReplayCommands(program);
registerResetCommand(program);
registerPipelineCommands(program);
registerArtifactsCommands(program);
registerConsoleCommand(program);
registerProbeCommand(program);
registerTaskCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof InventoryError || e instanceof UserError) {
    console.error(`etclab: ${e.message}`);
    process.exit(2);
  }
  console.error(`etclab: ${(e as Error).message}`);
  if (process.env.ETCLAB_DEBUG) console.error((e as Error).stack);
  process.exit(1);
}
