import { ApiError, apiFetch, UnauthorizedError } from './api.js';
import { byId, formatCount, h, setText, show } from './dom.js';
import type { ErrorBody, FieldError, ImportReport, RowError } from './types.js';

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

/** The CSV upload form: POST /call/csv as multipart form data, then the import report with its row errors. */
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
      void this.submit();
    });
  }

  setOpen(open: boolean): void {
    show(this.panel, open);
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open && !byId<HTMLInputElement>('upload-request-id').value) byId<HTMLInputElement>('upload-request-id').value = suggestedRequestId();
  }

  private async submit(): Promise<void> {
    const file = byId<HTMLInputElement>('upload-file').files?.[0];
    const requestId = byId<HTMLInputElement>('upload-request-id').value.trim();
    const callFlow = byId<HTMLTextAreaElement>('upload-flow').value;
    if (!file || !requestId) return;
    try {
      JSON.parse(callFlow);
    } catch (error) {
      this.showError(`The call flow is not valid JSON: ${(error as Error).message}`, []);
      return;
    }
    // Only the fields given: the API refuses unknown fields and checks present ones (an empty caller is not a caller).
    const data = new FormData();
    data.append('requestId', requestId);
    data.append('callFlow', callFlow);
    const caller = byId<HTMLInputElement>('upload-caller').value.trim();
    const region = byId<HTMLInputElement>('upload-region').value.trim().toUpperCase();
    if (caller) data.append('caller', caller);
    if (region) data.append('defaultRegion', region);
    // Auto (the empty choice) sends no field: the API then reads a UTF-16 byte-order mark, else UTF-8.
    const encoding = byId<HTMLSelectElement>('upload-encoding').value;
    if (encoding) data.append('encoding', encoding);
    if (byId<HTMLInputElement>('upload-skip').checked) data.append('skipInvalidRows', 'true');
    data.append('file', file, file.name);

    const button = byId<HTMLButtonElement>('upload-submit');
    button.disabled = true;
    setText(button, 'Uploading…');
    show(this.result, false);
    try {
      const response = await apiFetch('/call/csv', { method: 'POST', body: data });
      const answer = (await response.json()) as UploadAnswer;
      this.showReport(answer);
      byId<HTMLInputElement>('upload-request-id').value = '';
      this.onUploaded(answer.requestId);
    } catch (error) {
      if (error instanceof UnauthorizedError) this.onUnauthorized(error);
      else if (error instanceof ApiError) this.showApiError(error);
      else this.showError(`The upload failed: ${(error as Error).message}`, []);
    } finally {
      button.disabled = false;
      setText(button, 'Upload and queue calls');
    }
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
