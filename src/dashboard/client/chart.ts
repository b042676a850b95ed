import uPlot from 'uplot';
import type { Timeline } from './types.js';

/** Bucket widths the chart may ask GET /status/{id}/timeline for (the API accepts 10 s to a day). */
const BUCKETS = [10, 30, 60, 300, 900, 3600, 21_600, 86_400];
const MAX_BUCKETS = 60;

/** The narrowest bucket that shows the campaign's span in at most 60 buckets: per minute for an hour-long campaign. */
export function bucketFor(spanMs: number): number {
  return BUCKETS.find((bucket) => spanMs / 1000 / bucket <= MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1];
}

export function bucketLabel(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds === 60) return 'minute';
  if (seconds < 3600) return `${seconds / 60} min`;
  if (seconds === 3600) return 'hour';
  return seconds === 86_400 ? 'day' : `${seconds / 3600} h`;
}

const COLORS = { started: '#1c7ed6', ended: '#495057', answered: '#2f9e44', notReached: '#e03131' };

/** Calls started and ended per bucket (and the ended ones' outcomes) as a uPlot line chart. */
export class TimelineChart {
  private plot: uPlot | null = null;
  private readonly resize = () => this.plot?.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', this.resize);
  }

  /** Draws the timeline; `finished` pads an empty bucket after the last one, as nothing more will happen. */
  update(timeline: Timeline, finished: boolean): void {
    const step = timeline.bucketSeconds;
    const points = timeline.points;
    const xs: number[] = [];
    const series: number[][] = [[], [], [], []];
    const push = (at: number, started: number, ended: number, answered: number, notReached: number) => {
      xs.push(at);
      series[0].push(started);
      series[1].push(answered);
      series[2].push(notReached);
      series[3].push(ended);
    };
    if (points.length > 0) push(Date.parse(points[0].at) / 1000 - step, 0, 0, 0, 0);
    for (const p of points) push(Date.parse(p.at) / 1000, p.started, p.ended, p.answered, p.busy + p.no_answer + p.failed);
    if (points.length > 0 && finished) push(xs[xs.length - 1] + step, 0, 0, 0, 0);
    const data: uPlot.AlignedData = [xs, ...series];
    if (this.plot && this.plot.series.length === data.length) {
      this.plot.setData(data);
      return;
    }
    this.destroy();
    this.plot = new uPlot(this.options(), data, this.container);
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(320, this.container.clientWidth), height: 220 };
  }

  private options(): uPlot.Options {
    const line = (label: string, stroke: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
      label,
      stroke,
      width: 2,
      points: { show: true, size: 5, fill: stroke },
      value: (_u, v) => (v === null || v === undefined ? '' : v.toLocaleString()),
      ...extra,
    });
    const axis: uPlot.Axis = { stroke: '#5c677d', grid: { stroke: '#edf0f4', width: 1 }, ticks: { stroke: '#dfe3e8', width: 1 }, font: '12px system-ui, sans-serif' };
    return {
      ...this.size(),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max <= 4 ? 5 : Math.ceil(max * 1.15)] },
      },
      // Whole seconds at least: the buckets are 10 s or more.
      axes: [{ ...axis, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800] }, { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000], values: (_u, ticks) => ticks.map((t) => t.toLocaleString()) }],
      series: [
        { label: 'Time' },
        line('Dialed', COLORS.started),
        line('Answered', COLORS.answered, { fill: 'rgba(47, 158, 68, 0.12)' }),
        line('Busy / no answer / failed', COLORS.notReached),
        line('Ended', COLORS.ended, { dash: [6, 4], width: 1.5 }),
      ],
    };
  }
}
