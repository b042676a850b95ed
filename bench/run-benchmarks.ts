import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCsvUpload } from './csv-upload.bench';
import { runDispatch } from './dispatch.bench';
import { runFunnel } from './funnel.bench';
import { runLoad } from './load.bench';
import { runLoadFloor } from './load-floor.bench';
import { runRequestCost } from './request-cost.bench';
import { runStatusCallbacks } from './status-callbacks.bench';
import { runStatusPaging } from './status-paging.bench';
import { runStatusPolling } from './status-polling.bench';
import { runSubmission } from './submission.bench';
import { runSoak } from './soak.bench';
import { runBirdWebhookIntake, runWebhookIntake } from './webhook-intake.bench';

import { machineBusyCores } from './support/cpu';
import { formatTable, ScenarioResult } from './support/report';
import { REPO_ROOT, stopAllServices } from './support/service';

/**
 * Runs the benchmark scenarios (all but the 10-minute soak, or those named: `npm run bench -- dispatch`,
 * `npm run bench -- soak`), prints a table of
 * figures next to their targets, and writes bench-results/latest.json. A missed target is a result,
 * not a failure: the exit code is non-zero only when a scenario could not run.
 */
const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = {
  submission: runSubmission,
  dispatch: runDispatch,
  'status-paging': runStatusPaging,
  'status-polling': runStatusPolling,
  funnel: runFunnel,
  'csv-upload': runCsvUpload,
  'webhook-intake': runWebhookIntake,
  'bird-webhook-intake': runBirdWebhookIntake,
  'status-callbacks': runStatusCallbacks,
  load: runLoad,
  'load-floor': runLoadFloor,
  'request-cost': runRequestCost,
  soak: runSoak,
};
/** Run only when named: the soak takes 10 minutes. */
const ON_REQUEST_ONLY = new Set(['soak']);

function environment() {
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return undefined;
    }
  };
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    gitCommit: run('git', ['rev-parse', '--short', 'HEAD']),
    // The service is edited while benchmarks run: identify exactly which source was measured.
    srcChanges: (run('git', ['status', '--porcelain', '--', 'src']) ?? '').split('\n').filter(Boolean).length,
    srcDiffSha1: createHash('sha1').update(run('git', ['diff', 'HEAD', '--', 'src']) ?? '').digest('hex').slice(0, 10),
  };
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !SCENARIOS[name]);
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : Object.keys(SCENARIOS).filter((name) => !ON_REQUEST_ONLY.has(name));
  const env = environment();
  console.log(`Benchmarks: ${names.join(', ')} — node ${env.node}, ${env.cpus} CPUs, ${env.memoryGiB} GiB, commit ${env.gitCommit}${env.srcChanges ? ` + ${env.srcChanges} uncommitted src file(s), diff ${env.srcDiffSha1}` : ''}`);

  const results: ScenarioResult[] = [];
  const started = performance.now();
  for (const name of names) {
    console.log(`\n== ${name}`);
    // The figures are only meaningful on an otherwise idle machine: say so when it is not.
    const busyCores = Math.round((await machineBusyCores()) * 100) / 100;
    const load = { busyCoresBeforeStart: busyCores, loadAverage1m: Math.round(loadavg()[0] * 100) / 100 };
    if (busyCores > 0.2) console.warn(`  WARNING: the machine is not idle (${busyCores} cores busy before the start): figures will be distorted`);
    const scenarioStarted = performance.now();
    try {
      const result = await SCENARIOS[name]();
      const otherCores = Number(result.details.otherProcessCores ?? 0);
      if (otherCores > 0.2) console.warn(`  WARNING: other processes kept ${otherCores} cores busy while this scenario measured: figures are distorted`);
      results.push({ ...result, details: { ...result.details, machine: load } });
    } catch (error) {
      console.error(`  ${name} broke: ${(error as Error)?.stack ?? error}`);
      results.push({ scenario: name, metrics: [], details: { machine: load }, error: String((error as Error)?.message ?? error) });
    }
    console.log(`  (${((performance.now() - scenarioStarted) / 1000).toFixed(1)} s)`);
  }

  console.log(`\n${formatTable(results)}\n`);
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify({ environment: env, totalSeconds, results }, null, 2)}\n`);
  const missed = results.flatMap((r) => r.metrics.filter((m) => m.pass === false).map((m) => `${r.scenario}: ${m.name}`));
  console.log(`Total ${totalSeconds} s. Targets missed: ${missed.length === 0 ? 'none' : missed.join('; ')}. Results in bench-results/latest.json`);
  return results.some((r) => r.error) ? 1 : 0;
}

// Ctrl-C: still stop the service and drop its database and Redis keys.
process.once('SIGINT', () => {
  console.error('\nInterrupted: cleaning up');
  void stopAllServices().finally(() => process.exit(130));
});

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
