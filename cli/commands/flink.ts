// `etclab flink run|list|stop|savepoint|cancel`: the user's Flink jobs on the cluster's JobManager (REST 8081).
import type { Command } from 'commander';
import { loadClusterInventory, UserError } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

const duration = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)}s` : ms < 3_600_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${(ms / 3_600_000).toFixed(1)}h`);

export function registerFlinkCommands(program: Command): void {
  // Like `flink run`, everything after the jar is the program's own (its --options included).
  program.enablePositionalOptions();
  const flink = program.command('flink').description('the user\'s Flink jobs: run a jar, list jobs, stop with a savepoint, take a savepoint, cancel').enablePositionalOptions();
  const inv = () => loadClusterInventory(program.opts().inventory);
  const ops = () => import('../../ops/flink.ts');

  flink
    .command('run')
    .description('upload a job jar and run it detached (like flink run -d -m <jobmanager>:8081 -c CLASS JAR ARGS)')
    .argument('<jar>', 'the job jar')
    .argument('[args...]', 'program arguments')
    .option('-c, --class <entryClass>', 'the main class (default: the jar manifest\'s)')
    .option('-p, --parallelism <n>', 'parallelism', (v) => Number(v))
    .option('-s, --from-savepoint <path>', 'restore the job\'s state from this savepoint')
    .option('--allow-non-restored-state', 'with --from-savepoint: skip state no operator claims')
    .option('--json', 'machine-readable')
    .passThroughOptions()
    .action(async (jar: string, args: string[], o: { class?: string; parallelism?: number; fromSavepoint?: string; allowNonRestoredState?: boolean; json?: boolean }) => {
      if (o.parallelism !== undefined && !(Number.isInteger(o.parallelism) && o.parallelism > 0)) throw new UserError('--parallelism must be a positive whole number');
      const { runJob } = await ops();
      const inventory = await inv();
      try {
        const r = await runJob(inventory, jar, { entryClass: o.class, args, parallelism: o.parallelism, fromSavepoint: o.fromSavepoint, allowNonRestoredState: o.allowNonRestoredState, wait: true });
        if (o.json) return void console.log(JSON.stringify(r, null, 2));
        console.log(`job ${r.jobId} ${r.state}${r.restoredFrom ? `, restored from ${r.restoredFrom}` : o.fromSavepoint ? ', NOT restored from the savepoint' : ''}`);
      } catch (e) {
        // A job that cannot start: the cause in two lines, not the JobManager's stack trace.
        console.error(`etclab: flink run ${jar} failed\n  ${(e as Error).message}`);
        process.exitCode = EXIT.failed;
      }
    });

  flink
    .command('list')
    .description('jobs on the cluster, newest first: id, name, state (RUNNING, FINISHED, CANCELED, FAILED), uptime')
    .option('--running', 'only the running jobs')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean; running?: boolean }) => {
      const jobs = (await (await ops()).listJobs(await inv())).filter((j) => !o.running || j.state === 'RUNNING');
      if (o.json) return void console.log(JSON.stringify(jobs, null, 2));
      if (!jobs.length) return void console.log(o.running ? 'no job running' : 'no jobs on the cluster');
      for (const j of jobs) console.log(`${j.id}  ${j.state.padEnd(9)} ${duration(j.durationMs).padStart(7)}  ${j.name}`);
    });

  flink
    .command('stop')
    .description('stop a job with a savepoint; prints the savepoint to resume from (flink run --from-savepoint)')
    .argument('<job>', 'job id, or the name of a running job')
    .option('--savepoint-dir <dir>', 'where the savepoint goes (default: the cluster\'s state.savepoints.dir)')
    .action(async (ref: string, o: { savepointDir?: string }) => {
      const { resolveJob, stopJob } = await ops();
      const inventory = await inv();
      const job = await resolveJob(inventory, ref);
      const location = await stopJob(inventory, job.id, o.savepointDir);
      console.log(`job ${job.id} (${job.name}) stopped; savepoint ${location}`);
    });

  flink
    .command('savepoint')
    .description('take a savepoint of a running job, which keeps running')
    .argument('<job>', 'job id, or the name of a running job')
    .option('--savepoint-dir <dir>', 'where the savepoint goes (default: the cluster\'s state.savepoints.dir)')
    .action(async (ref: string, o: { savepointDir?: string }) => {
      const { resolveJob, savepointJob } = await ops();
      const inventory = await inv();
      const job = await resolveJob(inventory, ref);
      console.log(`job ${job.id} (${job.name}) savepoint ${await savepointJob(inventory, job.id, o.savepointDir)}`);
    });

  flink
    .command('cancel')
    .description('cancel a job (no savepoint)')
    .argument('<job>', 'job id, or the name of a running job')
    .action(async (ref: string) => {
      const { resolveJob, cancelJob } = await ops();
      const inventory = await inv();
      const j = await cancelJob(inventory, (await resolveJob(inventory, ref)).id);
      console.log(`job ${j.id} (${j.name}) ${j.state}`);
    });
}
