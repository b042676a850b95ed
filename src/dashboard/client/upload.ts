import { ApiError, apiFetch, UnauthorizedError } from './api.js';
import { byId, formatCount, h, setText, show } from './dom.js';
import type { DryRunAnswer, ErrorBody, FieldError, ImportReport, RowError, SavedFlow } from './types.js';

/** A flow that fits examples/debtors.csv (columns name, amount, Due Date): greet, ask, and pay or talk to an agent. */
const EXAMPLE_FLOW = {
  steps: [
    { name: 'play', message: { msg: 'Hello {{name}}, this is a reminder from your bank.', language: 'en', gender: 'female' } },
    {
      name: 'gather',
      maxRetries: 3,
      message: { msg: 'The amount of {{amount}} is due on {{dueDate}}. Press 1 to pay now, or 0 to speak to an agent.' },
      branches: [
        { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you, {{name}}. You will receive a payment link by text message.' } }] } },
        { digit: '0', default: true, callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
      ],
    },
  ],
};

interface UploadAnswer {
  requestId: string;
  importReport?: ImportReport;
}

const PHONE_HEADERS = ['phone', 'phone_number', 'msisdn', 'number'];
/** The campaign's share of the slots and its start and expiry (README "Several campaigns at once"): form field, input. */
const SHARING_NUMBERS = [
  ['priority', 'upload-priority'],
  ['weight', 'upload-weight'],
  ['maxConcurrentCalls', 'upload-max-concurrent'],
] as const;
const SHARING_INSTANTS = [
  ['startAt', 'upload-start-at'],
  ['expiresAt', 'upload-expires-at'],
] as const;
const RETRY_OUTCOMES = ['busy', 'no_answer', 'failed', 'machine'] as const;

/**
 * Starting a campaign: POST /call/csv as multipart form data, with the flow pasted as JSON or a saved flow
 * (callFlowId, callFlowVersion), the destinations from a CSV file or pasted numbers (sent as a CSV the page
 * writes, so numbers are read exactly as in an upload), calling hours, retries and answering-machine handling,
 * priority, weight, cap, start and expiry (datetime-local inputs sent as instants with the browser's offset);
 * "Dry run" asks what would happen (dryRun=true) and shows it; "Start campaign" submits; then the import
 * report with its row errors.
 */
export class UploadForm {
  private readonly form = byId<HTMLFormElement>('upload-form');
  private readonly panel = byId('upload');
  private readonly toggle = byId<HTMLButtonElement>('upload-toggle');
  private readonly result = byId('upload-result');

  constructor(
    private readonly onUploaded: (requestId: string) => void,
    private readonly onUnauthorized: (error: UnauthorizedError) => void,
  ) {
    byId<HTMLTextAreaElement>('upload-flow').value = JSON.stringify(EXAMPLE_FLOW, null, 2);
    this.toggle.addEventListener('click', () => this.setOpen(Boolean(this.panel.hidden)));
    byId('upload-cancel').addEventListener('click', () => this.setOpen(false));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit(false);
    });
    byId('upload-dry-run').addEventListener('click', () => {
      if (this.form.reportValidity()) void this.submit(true);
    });
    for (const radio of this.form.querySelectorAll<HTMLInputElement>('input[name="flowSource"], input[name="destinationsSource"]')) {
      radio.addEventListener('change', () => this.applyChoices());
    }
    const zones = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    byId('timezones').replaceChildren(...zones.map((zone) => h('option', { value: zone })));
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) setText(byId('upload-when-hint'), `In this browser's time zone (${zone}); sent with its UTC offset. Calling hours still apply in between.`);
    this.applyChoices();
  }

  /** The saved flows offered (GET /call-flows, refreshed by the builder). */
  setSavedFlows(flows: SavedFlow[]): void {
    const select = byId<HTMLSelectElement>('upload-saved-flow');
    const current = select.value;
    select.replaceChildren(
      ...(flows.length === 0 ? [h('option', { value: '' }, 'No saved flow yet: build one in Call flows')] : []),
      ...flows.map((flow) => h('option', { value: flow.id, selected: flow.id === current }, `${flow.title} · v${flow.version}`)),
    );
  }

  /** Opens the form with a saved flow (and its version) chosen: the builder's "Start a campaign with it". */
  useSavedFlow(flow: SavedFlow): void {
    const select = byId<HTMLSelectElement>('upload-saved-flow');
    if (![...select.options].some((option) => option.value === flow.id)) select.append(h('option', { value: flow.id }, `${flow.title} · v${flow.version}`));
    select.value = flow.id;
    byId<HTMLInputElement>('upload-flow-version').value = String(flow.version);
    byId<HTMLInputElement>('upload-flow-source-saved').checked = true;
    this.applyChoices();
    this.setOpen(true);
    this.panel.scrollIntoView({ block: 'start' });
  }

  /** Shows the fields of the chosen flow and destination sources; only shown fields are required. */
  private applyChoices(): void {
    const saved = byId<HTMLInputElement>('upload-flow-source-saved').checked;
    const paste = byId<HTMLInputElement>('upload-source-paste').checked;
    show(byId('upload-saved-field'), saved);
    show(byId('upload-flow-field'), !saved);
    byId<HTMLTextAreaElement>('upload-flow').required = !saved;
    byId<HTMLSelectElement>('upload-saved-flow').required = saved;
    show(byId('upload-file-field'), !paste);
    show(byId('upload-numbers-field'), paste);
    byId<HTMLInputElement>('upload-file').required = !paste;
    byId<HTMLTextAreaElement>('upload-numbers').required = paste;
  }

  setOpen(open: boolean): void {
    show(this.panel, open);
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open && !byId<HTMLInputElement>('upload-request-id').value) byId<HTMLInputElement>('upload-request-id').value = suggestedRequestId();
  }

  /** The form as POST /call/csv takes it; null (with the reason shown) when something cannot be sent. */
  private formData(dryRun: boolean): FormData | null {
    const requestId = byId<HTMLInputElement>('upload-request-id').value.trim();
    const saved = byId<HTMLInputElement>('upload-flow-source-saved').checked;
    const paste = byId<HTMLInputElement>('upload-source-paste').checked;
    const file = paste ? pastedCsv(byId<HTMLTextAreaElement>('upload-numbers').value) : byId<HTMLInputElement>('upload-file').files?.[0];
    if (!file || !requestId) {
      if (paste && !file) this.showError('Paste at least one number.', []);
      return null;
    }
    // Only the fields given: the API refuses unknown fields and checks present ones (an empty caller is not a caller).
    const data = new FormData();
    data.append('requestId', requestId);
    if (saved) {
      const id = byId<HTMLSelectElement>('upload-saved-flow').value;
      if (!id) {
        this.showError('Choose a saved flow (or paste one as JSON).', []);
        return null;
      }
      data.append('callFlowId', id);
      const version = byId<HTMLInputElement>('upload-flow-version').value.trim();
      if (version) data.append('callFlowVersion', version);
    } else {
      const callFlow = byId<HTMLTextAreaElement>('upload-flow').value;
      try {
        JSON.parse(callFlow);
      } catch (error) {
        this.showError(`The call flow is not valid JSON: ${(error as Error).message}`, []);
        return null;
      }
      data.append('callFlow', callFlow);
    }
    const caller = byId<HTMLInputElement>('upload-caller').value.trim();
    const region = byId<HTMLInputElement>('upload-region').value.trim().toUpperCase();
    if (caller) data.append('caller', caller);
    if (region) data.append('defaultRegion', region);
    // Auto (the empty choice) sends no field: the API then reads a UTF-16 byte-order mark, else UTF-8.
    const encoding = byId<HTMLSelectElement>('upload-encoding').value;
    if (encoding && !paste) data.append('encoding', encoding);
    if (byId<HTMLInputElement>('upload-skip').checked) data.append('skipInvalidRows', 'true');
    const hours = callingHours();
    if (hours) data.append('callingHours', JSON.stringify(hours));
    const retry = retryPolicy();
    if (retry) data.append('retry', JSON.stringify(retry));
    const machine = machineDetection();
    if (machine) data.append('machineDetection', JSON.stringify(machine));
    for (const [field, id] of SHARING_NUMBERS) {
      const value = byId<HTMLInputElement>(id).value.trim();
      if (value) data.append(field, value);
    }
    for (const [field, id] of SHARING_INSTANTS) {
      const value = byId<HTMLInputElement>(id).value;
      if (!value) continue;
      const instant = localInstant(value);
      if (!instant) {
        this.showError(`${field} is not a date and time: ${value}`, []);
        return null;
      }
      data.append(field, instant);
    }
    if (dryRun) data.append('dryRun', 'true');
    data.append('file', file, file.name);
    return data;
  }

  private async submit(dryRun: boolean): Promise<void> {
    const data = this.formData(dryRun);
    if (!data) return;
    const requestId = String(data.get('requestId'));
    const button = byId<HTMLButtonElement>(dryRun ? 'upload-dry-run' : 'upload-submit');
    const idle = button.textContent ?? '';
    for (const b of [byId<HTMLButtonElement>('upload-dry-run'), byId<HTMLButtonElement>('upload-submit')]) b.disabled = true;
    setText(button, dryRun ? 'Checking…' : 'Starting…');
    show(this.result, false);
    try {
      const response = await apiFetch('/call/csv', { method: 'POST', body: data });
      if (dryRun) {
        this.showDryRun((await response.json()) as DryRunAnswer);
        return;
      }
      const answer = (await response.json()) as UploadAnswer;
      this.showReport(answer);
      byId<HTMLInputElement>('upload-request-id').value = '';
      this.onUploaded(answer.requestId ?? requestId);
    } catch (error) {
      if (error instanceof UnauthorizedError) this.onUnauthorized(error);
      else if (error instanceof ApiError) this.showApiError(error);
      else this.showError(`The upload failed: ${(error as Error).message}`, []);
    } finally {
      for (const b of [byId<HTMLButtonElement>('upload-dry-run'), byId<HTMLButtonElement>('upload-submit')]) b.disabled = false;
      setText(button, idle);
    }
  }

  /** What would happen now: dial now, scheduled, suppressed, rejected (with the rows' errors); nothing was stored. */
  private showDryRun(answer: DryRunAnswer): void {
    const count = (name: string, value: number, text: string, cls = '') => h('span', { 'data-dry-run': name, class: cls }, `${formatCount(value)} ${text}`);
    const children: Node[] = [
      h('p', { class: 'ok-text' }, `Dry run of “${answer.requestId}”: nothing was stored and nobody was called.`),
      h(
        'p',
        { class: 'import-counts dry-run-counts' },
        count('destinations', answer.destinations, answer.destinations === 1 ? 'destination' : 'destinations'),
        ' · ',
        count('wouldDialNow', answer.wouldDialNow, 'dial now'),
        ' · ',
        count('scheduled', answer.scheduled, 'scheduled for their calling hours'),
        ' · ',
        count('suppressed', answer.suppressed, 'on the do-not-call list'),
        ' · ',
        count('rejected', answer.rejected, 'rejected', answer.rejected > 0 ? 'error-text' : ''),
      ),
    ];
    if (answer.requestIdInUse) children.push(h('p', { class: 'error-text small', 'data-dry-run': 'requestIdInUse' }, 'A campaign with this request ID exists already: starting answers its state, or a 409 if anything differs.'));
    const rowErrors = answer.errors.filter((e) => typeof e.line === 'number') as RowError[];
    const otherErrors = answer.errors.filter((e) => typeof e.line !== 'number');
    if (rowErrors.length > 0) children.push(h('p', { class: 'small' }, 'These rows would be left out:'), rowErrorTable(rowErrors));
    if (otherErrors.length > 0) children.push(h('ul', { class: 'field-errors' }, ...otherErrors.map((e) => h('li', {}, h('code', {}, e.field), `: ${e.message}`))));
    if (answer.errorCount > answer.errors.length) children.push(h('p', { class: 'muted small' }, `The first ${answer.errors.length} of ${formatCount(answer.errorCount)} errors are shown.`));
    if (answer.rejected > 0 && !byId<HTMLInputElement>('upload-skip').checked) {
      children.push(h('p', { class: 'small' }, 'Starting refuses the whole list while a row is invalid: fix the rows, or tick “Skip invalid rows”.'));
    }
    this.result.className = 'upload-result ok dry-run';
    this.result.replaceChildren(...children);
    show(this.result, true);
  }

  private showReport(answer: UploadAnswer): void {
    const report = answer.importReport;
    const children: Node[] = [h('p', { class: 'ok-text' }, `Campaign “${answer.requestId}” queued.`)];
    if (report) {
      children.push(counts(report));
      if (report.errors.length > 0) children.push(h('p', { class: 'small' }, 'These rows were left out:'), rowErrorTable(report.errors));
    }
    this.result.className = 'upload-result ok';
    this.result.replaceChildren(...children);
    show(this.result, true);
  }

  /** A refused upload: the message, the counts, and the row errors (line, column, value) or field errors. */
  private showApiError(error: ApiError): void {
    const body: ErrorBody | null = error.body;
    const errors = body?.errors ?? [];
    const children: Node[] = [];
    if (body?.importReport && body.importReport.rowsRead > 0) children.push(counts(body.importReport, body.errorCount));
    const rowErrors = errors.filter((e) => e.field === 'file' && typeof e.line === 'number') as (FieldError & RowError)[];
    const otherErrors = errors.filter((e) => !rowErrors.includes(e as FieldError & RowError));
    if (rowErrors.length > 0) children.push(rowErrorTable(rowErrors));
    if (otherErrors.length > 0) children.push(h('ul', { class: 'field-errors' }, ...otherErrors.map((e) => h('li', {}, h('code', {}, e.field), `: ${e.message}`))));
    if (body?.errorCount && body.errorCount > errors.length) children.push(h('p', { class: 'muted small' }, `The first ${errors.length} of ${formatCount(body.errorCount)} errors are shown.`));
    this.showError(body?.message ?? `The upload was refused (HTTP ${error.httpStatus}).`, children);
  }

  private showError(message: string, children: Node[]): void {
    this.result.className = 'upload-result error';
    this.result.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, message), ...children);
    show(this.result, true);
  }
}

function counts(report: ImportReport, errorCount?: number): HTMLElement {
  const rejected = Math.max(report.rowsRejected, errorCount ?? 0);
  return h(
    'p',
    { class: 'import-counts' },
    h('span', { 'data-report': 'rowsRead' }, `${formatCount(report.rowsRead)} rows read`),
    ' · ',
    h('span', { 'data-report': 'rowsAccepted' }, `${formatCount(report.rowsAccepted)} accepted`),
    ' · ',
    h('span', { 'data-report': 'rowsRejected', class: rejected > 0 ? 'error-text' : '' }, `${formatCount(rejected)} rejected`),
  );
}

function rowErrorTable(errors: RowError[]): HTMLElement {
  return h(
    'table',
    { class: 'row-errors' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Line'), h('th', {}, 'Column'), h('th', {}, 'Value'), h('th', {}, 'Problem'))),
    h(
      'tbody',
      {},
      ...errors.map((e) =>
        h(
          'tr',
          { 'data-line': e.line },
          h('td', { class: 'num' }, e.line > 0 ? e.line : '–'),
          h('td', {}, e.column ?? '–'),
          h('td', { class: 'mono' }, e.value ?? ''),
          h('td', {}, e.message),
        ),
      ),
    ),
  );
}

function suggestedRequestId(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `csv-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/** Pasted numbers as a CSV file: text with a phone header is taken as CSV as it is, else one number a line under a `phone` header. */
function pastedCsv(text: string): File | null {
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) return null;
  const header = lines[0].split(/[,;\t]/).map((name) => name.trim().replace(/^"|"$/g, '').toLowerCase());
  const csv = header.some((name) => PHONE_HEADERS.includes(name)) ? lines.join('\n') : ['phone', ...lines.map((line) => line.replace(/[,;\t].*$/, ''))].join('\n');
  return new File([`${csv}\n`], 'pasted-numbers.csv', { type: 'text/csv' });
}

function numberValue(id: string): number | undefined {
  const text = byId<HTMLInputElement>(id).value.trim();
  return text === '' ? undefined : Number(text);
}

/** `callingHours` as POST /call takes it, when its box is ticked (README "Calling hours"). */
function callingHours(): object | null {
  if (!byId<HTMLInputElement>('upload-hours-on').checked) return null;
  const days = [...byId('upload-hours-days').querySelectorAll<HTMLInputElement>('input:checked')].map((box) => box.value);
  const timezone = byId<HTMLInputElement>('upload-hours-timezone').value.trim();
  return {
    start: byId<HTMLInputElement>('upload-hours-start').value,
    end: byId<HTMLInputElement>('upload-hours-end').value,
    days,
    ...(timezone && { timezone }),
  };
}

/** `retry` with the rules filled in (an empty one takes the API's default), when its box is ticked. */
function retryPolicy(): object | null {
  if (!byId<HTMLInputElement>('upload-retry-on').checked) return null;
  const policy: Record<string, unknown> = {};
  for (const outcome of RETRY_OUTCOMES) {
    const maxAttempts = numberValue(`upload-retry-${outcome}-attempts`);
    const delaySeconds = numberValue(`upload-retry-${outcome}-delay`);
    if (maxAttempts !== undefined || delaySeconds !== undefined) {
      policy[outcome] = { ...(maxAttempts !== undefined && { maxAttempts }), ...(delaySeconds !== undefined && { delaySeconds }) };
    }
  }
  const backoff = byId<HTMLSelectElement>('upload-retry-backoff').value;
  if (backoff) policy.backoff = backoff;
  return policy;
}

/** `machineDetection`, unless the deployment's default is kept. */
function machineDetection(): object | null {
  const ifMachine = byId<HTMLSelectElement>('upload-amd').value;
  const machineTimeout = numberValue('upload-amd-timeout');
  if (!ifMachine && machineTimeout === undefined) return null;
  return { ...(ifMachine && { ifMachine }), ...(machineTimeout !== undefined && { machineTimeout }) };
}

/**
 * A datetime-local value (`2027-01-15T09:00`, in this browser's time zone) as an ISO 8601 instant with the
 * offset the browser has at that date (`2027-01-15T09:00:00+08:00`), so the server needs no time zone; null
 * when it is not such a value. A wall time that does not exist (skipped by a DST change) is the instant the
 * browser takes for it, written with its own wall time.
 */
export function localInstant(value: string): string | null {
  const match = /^(\d{4,6})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hours, minutes, seconds = '0'] = match;
  const date = new Date(2000, 0, 1);
  date.setFullYear(Number(year), Number(month) - 1, Number(day));
  date.setHours(Number(hours), Number(minutes), Number(seconds), 0);
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
