/**
 * DOM helpers. Everything that comes from the API or the user is put in the page as text (textContent,
 * attribute values), never parsed as HTML.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** `h('td', {class: 'num', title}, text, childNode)`: an element; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** The element with this id; a missing one is a bug in index.html, reported at once. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

export function setText(element: Element, text: string | number): void {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A timestamp for a table cell: the time of day when it is today, else date and time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

const instantFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/** A moment that may be months ahead (a campaign's start or expiry): `Jan 15, 2027, 09:00 AM GMT+8`, in this browser's zone. */
export function formatInstant(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : instantFormat.format(time);
}

export function formatClock(date: Date): string {
  return timeFormat.format(date);
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** Whole-number percentage, floored so that 100 % means every call ended. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.floor((part / whole) * 100) : 0;
}

/** `1 m 05 s`, `42 s`, `3 h 02 m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** Human labels of the API's status and outcome values. */
export const LABELS: Record<string, string> = {
  submitted: 'submitted',
  onProgress: 'in progress',
  paused: 'paused',
  scheduled: 'scheduled',
  suppressed: 'do not call',
  expired: 'expired',
  completed: 'completed',
  cancelled: 'cancelled',
  queued: 'queued',
  answered: 'answered',
  busy: 'busy',
  no_answer: 'no answer',
  failed: 'failed',
  success_ok: 'ok',
  no_input: 'no input',
  in_progress: 'running',
  interrupted: 'interrupted',
  leftMessage: 'left a message',
  maxLength: 'max length',
  key: 'key',
  silence: 'silence',
  hangup: 'hang-up',
  api: 'API',
  csv: 'CSV',
  delivered: 'delivered',
  pending: 'pending',
  enabled: 'enabled',
  failing: 'failing',
  disabled: 'disabled',
  suspended: 'suspended',
};

export const label = (value: string | null | undefined): string => (value ? (LABELS[value] ?? value) : '–');

/** A coloured pill for a status or outcome value (class `badge-<value>`). */
export function badge(value: string | null | undefined, extraTitle?: string): HTMLElement {
  return h('span', { class: `badge badge-${value ?? 'none'}`, title: extraTitle ?? value ?? undefined }, label(value));
}

/** Replaces a container's children only when what it would show changed, so hover, focus and open rows survive refreshes. */
export function renderIfChanged(container: HTMLElement, key: string, render: () => Node[]): boolean {
  if (container.dataset.renderKey === key) return false;
  container.replaceChildren(...render());
  container.dataset.renderKey = key;
  return true;
}

/** Prev / next buttons and "page x of y". */
export function pager(page: number, totalPages: number, go: (page: number) => void, summary: string): Node[] {
  if (totalPages <= 1) return [h('span', { class: 'muted small' }, summary)];
  return [
    h('button', { type: 'button', class: 'button-quiet', disabled: page <= 1, 'data-page': 'prev', onclick: () => go(page - 1) }, '‹ Previous'),
    h('span', { class: 'muted small' }, `Page ${page} of ${totalPages} · ${summary}`),
    h('button', { type: 'button', class: 'button-quiet', disabled: page >= totalPages, 'data-page': 'next', onclick: () => go(page + 1) }, 'Next ›'),
  ];
}
