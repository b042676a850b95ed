import { readdirSync, readFileSync } from 'node:fs';
import { processCpuSeconds } from './cpu';

/**
 * CPU of processes that `startCpuMeter` counts as "other" but that work for the benchmark when it writes a lot:
 * PostgreSQL's background processes (WAL writer, checkpointer, background writer: they are not backends of
 * the benchmark's database) and kernel threads (page-cache write-back, journaling). Linux /proc only.
 */
export type BackgroundGroup = 'postgresBackground' | 'kernelThreads';

/**
 * Machine-wide interrupt time (/proc/stat irq + softirq: e.g. the loopback TCP traffic between the client, the
 * service and PostgreSQL, which is charged to no process) and steal (time the hypervisor gave to other guests).
 */
export interface MachineTicks {
  irqAndSoftirq: number;
  steal: number;
}

const CLOCK_TICKS = 100;

function machineTicks(): MachineTicks {
  try {
    const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { irqAndSoftirq: (t[5] + t[6]) / CLOCK_TICKS, steal: t[7] / CLOCK_TICKS };
  } catch {
    return { irqAndSoftirq: NaN, steal: NaN };
  }
}

function groupOf(pid: number): BackgroundGroup | undefined {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (cmdline === '') return 'kernelThreads';
  if (/^postgres: .*(checkpointer|background writer|walwriter|archiver|stats collector)/.test(cmdline)) return 'postgresBackground';
  return undefined;
}

function snapshot(): Map<number, { group: BackgroundGroup; seconds: number }> {
  const result = new Map<number, { group: BackgroundGroup; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const group = groupOf(pid);
    if (!group) continue;
    const seconds = processCpuSeconds(pid);
    if (!Number.isNaN(seconds)) result.set(pid, { group, seconds });
  }
  return result;
}

/**
 * Starts measuring; `stop()` returns the CPU seconds each group used since (processes born meanwhile count
 * from 0), and the machine's interrupt and steal seconds.
 */
export function startBackgroundCpuMeter(): { stop(): Record<BackgroundGroup, number> & MachineTicks } {
  const before = snapshot();
  const ticks0 = machineTicks();
  return {
    stop() {
      const totals: Record<BackgroundGroup, number> = { postgresBackground: 0, kernelThreads: 0 };
      for (const [pid, { group, seconds }] of snapshot()) totals[group] += seconds - (before.get(pid)?.seconds ?? 0);
      const ticks = machineTicks();
      return { ...totals, irqAndSoftirq: ticks.irqAndSoftirq - ticks0.irqAndSoftirq, steal: ticks.steal - ticks0.steal };
    },
  };
}
