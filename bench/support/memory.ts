import { readFileSync } from 'node:fs';

/**
 * Resident memory of a process (Linux /proc/<pid>/status): VmRSS is the current resident set, VmHWM its
 * peak since the process started (it cannot be reset, so a phase's peak is sampled from VmRSS).
 */
export interface ProcessMemory {
  rssKiB: number;
  hwmKiB: number;
}

/** NaN fields if the process is gone or unreadable. */
export function processMemory(pid: number): ProcessMemory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return { rssKiB: NaN, hwmKiB: NaN };
  }
}

export interface RssProfile {
  intervalMs: number;
  samples: number;
  /** VmRSS when sampling started. */
  baselineMB: number;
  /** The highest VmRSS sampled. */
  peakMB: number;
  /** peak − baseline. */
  growthMB: number;
  /** When the peak was sampled, in ms since sampling started. */
  peakAtMs: number;
  /** VmRSS when sampling stopped. */
  endMB: number;
  /** VmHWM (peak since the process started) at start and stop: a check on the sampling (a peak between samples). */
  hwmBeforeMB: number;
  hwmAfterMB: number;
  /** A coarse timeline: [ms since start, VmRSS MB], one point every `timelineEveryMs`. */
  timeline: [number, number][];
}

/** MB = 10^6 bytes, as targets are stated (/proc reports KiB). */
const MB = (kib: number) => Math.round((kib * 1024) / 1e5) / 10;

/**
 * Samples VmRSS every `intervalMs` (synchronous reads of a small /proc file: ~0.05 ms each, on the
 * benchmark client's event loop, not the service's) until `stop()`.
 */
export function startRssSampler(pid: number, intervalMs = 50, timelineEveryMs = 500): { stop(): RssProfile; mark(): number } {
  const first = processMemory(pid);
  const started = performance.now();
  let samples = 1;
  let peak = first.rssKiB;
  let peakAt = 0;
  let last = first.rssKiB;
  let nextTimeline = 0;
  const timeline: [number, number][] = [];
  const sample = () => {
    const at = performance.now() - started;
    const { rssKiB } = processMemory(pid);
    if (Number.isNaN(rssKiB)) return;
    samples++;
    last = rssKiB;
    if (rssKiB > peak) {
      peak = rssKiB;
      peakAt = at;
    }
    if (at >= nextTimeline) {
      timeline.push([Math.round(at), MB(rssKiB)]);
      nextTimeline += timelineEveryMs;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    /** The peak so far, in MB above the baseline (to read a phase's peak without stopping). */
    mark: () => MB(peak - first.rssKiB),
    stop() {
      clearInterval(timer);
      sample();
      const end = processMemory(pid);
      return {
        intervalMs,
        samples,
        baselineMB: MB(first.rssKiB),
        peakMB: MB(peak),
        growthMB: MB(peak - first.rssKiB),
        peakAtMs: Math.round(peakAt),
        endMB: MB(last),
        hwmBeforeMB: MB(first.hwmKiB),
        hwmAfterMB: MB(end.hwmKiB),
        timeline,
      };
    },
  };
}
