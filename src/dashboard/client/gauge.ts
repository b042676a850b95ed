import { formatClock, formatCount, setText } from './dom.js';
import type { Usage } from './types.js';

/** Where other apps' calls are counted from, when not reported. */
const PLATFORM_NAMES: Record<string, string> = { messagebird: 'MessageBird', bird: 'Bird' };

/** The slot gauge: the numbers of GET /organization/usage and a bar of the limit (other apps | ours | free). */
export function renderGauge(root: HTMLElement, usage: Usage, at = new Date()): void {
  for (const field of ['limit', 'externalOngoingCalls', 'ongoingCalls', 'free', 'queuedCalls'] as const) {
    const element = root.querySelector(`[data-gauge="${field}"]`);
    if (element) setText(element, formatCount(usage[field]));
  }
  const source = root.querySelector<HTMLElement>('[data-gauge-source]');
  if (source) {
    const platform = PLATFORM_NAMES[usage.externalSource];
    setText(source, platform ? `other apps (${platform})` : 'other apps');
    source.title = platform ? `counted from the ${platform} account's calls` : 'reported with PUT /organization/usage';
  }
  // Other apps may report more calls than the limit: the bar then spans what is in use.
  const scale = Math.max(usage.limit, usage.externalOngoingCalls + usage.ongoingCalls, 1);
  const segments: [string, number, string][] = [
    ['external', usage.externalOngoingCalls, 'calls of other apps'],
    ['ours', usage.ongoingCalls, 'our ongoing calls'],
    ['free', usage.free, 'free slots'],
  ];
  for (const [name, value, what] of segments) {
    const segment = root.querySelector<HTMLElement>(`[data-seg="${name}"]`);
    if (!segment) continue;
    segment.style.width = `${(value / scale) * 100}%`;
    segment.title = `${value} ${what}`;
  }
  const bar = root.querySelector<HTMLElement>('.gauge-bar');
  bar?.setAttribute(
    'aria-label',
    `${usage.externalOngoingCalls} of ${usage.limit} slots used by other apps, ${usage.ongoingCalls} by our calls, ${usage.free} free; ${usage.queuedCalls} calls queued`,
  );
  const updated = root.querySelector('#slots-updated');
  if (updated) setText(updated, `updated ${formatClock(at)}`);
}
