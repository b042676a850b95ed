import { ApiError, apiFetch, getJson, saveDownload, statusPath } from './api.js';
import { FunnelView } from './funnel.js';
import { bucketFor, bucketLabel, TimelineChart } from './chart.js';
import { CampaignControls } from './controls.js';
import { CampaignSharingView } from './sharing.js';
import { badge, byId, formatCount, formatDuration, formatTime, h, label, pager, renderIfChanged, setText, show } from './dom.js';
import type { CallDetail, Recording, StatusDocument, Step, Summary, Timeline } from './types.js';

const PER_PAGE = 50;

interface Filters {
  status: string;
  outcome: string;
  phone: string;
  /** '' any, 'true' left a message at a record step, 'false' did not. */
  leftMessage: string;
}

const NO_FILTERS: Filters = { status: '', outcome: '', phone: '', leftMessage: '' };

/**
 * One campaign: its summary, a chart of calls over time, and its destinations (GET /status, 50 a page,
 * filtered by status, outcome and phone digits), each with its steps. Refreshed while the campaign runs.
 */
export class DetailView {
  requestId: string | null = null;
  private page = 1;
  private filters: Filters = NO_FILTERS;
  /** The query whose answer showed a finished campaign: nothing will change until the query does. */
  private finalQuery: string | null = null;
  private timelineFinal = false;
  private readonly chart = new TimelineChart(byId('timeline-chart'));
  /** Rows whose steps the operator expanded, kept open across refreshes. */
  private readonly expanded = new Set<string>();
  private readonly controls: CampaignControls;
  private readonly sharing: CampaignSharingView;
  private readonly funnel: FunnelView;

  constructor(
    private readonly onChange: () => void,
    private readonly onError: (error: unknown) => void,
    /** The title of a saved flow, when the list of saved flows has it. */
    private readonly flowTitle: (id: string) => string | undefined = () => undefined,
  ) {
    this.controls = new CampaignControls(() => {
      this.finalQuery = null;
      this.timelineFinal = false;
      this.onChange();
    }, onError);
    this.sharing = new CampaignSharingView(() => {
      this.finalQuery = null;
      this.onChange();
    }, onError);
    this.funnel = new FunnelView(onError);
    byId('detail-close').addEventListener('click', () => this.close());
    byId('export-csv').addEventListener('click', () => void this.exportCsv());
    byId('detail-filters').addEventListener('submit', (event) => event.preventDefault());
    for (const id of ['filter-status', 'filter-outcome', 'filter-message']) byId(id).addEventListener('change', () => this.readFilters());
    let debounce: number | undefined;
    byId('filter-phone').addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = window.setTimeout(() => this.readFilters(), 250);
    });
  }

  open(requestId: string): void {
    if (requestId !== this.requestId) {
      this.requestId = requestId;
      this.page = 1;
      this.filters = NO_FILTERS;
      byId<HTMLSelectElement>('filter-status').value = '';
      byId<HTMLSelectElement>('filter-outcome').value = '';
      byId<HTMLSelectElement>('filter-message').value = '';
      byId<HTMLInputElement>('filter-phone').value = '';
      show(byId('filter-error'), false);
      this.finalQuery = null;
      this.timelineFinal = false;
      this.expanded.clear();
      this.funnel.reset(requestId);
      this.controls.update(null);
      this.sharing.update(null);
      this.chart.destroy();
      byId('call-rows').replaceChildren();
      delete byId('call-rows').dataset.renderKey;
      setText(byId('detail-title'), requestId);
      setText(byId('detail-meta'), 'Loading…');
      byId('detail-summary').replaceChildren();
    }
    show(byId('detail'), true);
    this.onChange();
  }

  close(): void {
    this.requestId = null;
    this.controls.update(null);
    this.sharing.update(null);
    this.chart.destroy();
    show(byId('detail'), false);
    this.onChange();
  }

  async refresh(): Promise<void> {
    const requestId = this.requestId;
    if (!requestId) return;
    const query = this.query();
    if (query === this.finalQuery && this.timelineFinal) return;
    let doc: StatusDocument;
    try {
      doc = await getJson<StatusDocument>(statusPath(requestId, `?${query}`));
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 404 && requestId === this.requestId) {
        setText(byId('detail-meta'), `Campaign "${requestId}" was not found for this API key.`);
        return;
      }
      throw error;
    }
    if (requestId !== this.requestId || query !== this.query()) return; // the operator moved on meanwhile
    this.render(doc);
    await this.funnel.refresh(requestId);
    // Over when every call has ended: completed, or cancelled once its calls in progress ended too.
    const finished = doc.completedAt !== null;
    if (finished) this.finalQuery = query;
    if (!this.timelineFinal) await this.refreshTimeline(doc, finished);
  }

  private async refreshTimeline(doc: StatusDocument, finished: boolean): Promise<void> {
    const end = doc.completedAt ? Date.parse(doc.completedAt) : Date.now();
    const bucket = bucketFor(end - Date.parse(doc.createdAt));
    const timeline = await getJson<Timeline>(statusPath(doc.requestId, `/timeline?bucketSeconds=${bucket}`));
    if (doc.requestId !== this.requestId) return;
    setText(byId('chart-title'), `Calls per ${bucketLabel(timeline.bucketSeconds)}`);
    show(byId('timeline-empty'), timeline.points.length === 0);
    show(byId('timeline-chart'), timeline.points.length > 0);
    if (timeline.points.length > 0) this.chart.update(timeline, finished);
    this.timelineFinal = finished;
  }

  private query(): string {
    const params = new URLSearchParams({ page: String(this.page), perPage: String(PER_PAGE) });
    if (this.filters.status) params.set('status', this.filters.status);
    if (this.filters.outcome) params.set('outcome', this.filters.outcome);
    if (this.filters.phone) params.set('phone', this.filters.phone);
    if (this.filters.leftMessage) params.set('leftMessage', this.filters.leftMessage);
    return params.toString();
  }

  private readFilters(): void {
    const raw = byId<HTMLInputElement>('filter-phone').value;
    // Spaces, dashes, dots and brackets are how people write numbers; the API wants digits (after an optional +).
    const phone = raw.replace(/[\s\-().]/g, '');
    const phoneOk = phone === '' || /^\+?\d{1,15}$/.test(phone);
    const error = byId('filter-error');
    setText(error, phoneOk ? '' : 'Phone search takes digits only');
    show(error, !phoneOk);
    if (!phoneOk) return;
    this.filters = {
      status: byId<HTMLSelectElement>('filter-status').value,
      outcome: byId<HTMLSelectElement>('filter-outcome').value,
      phone,
      leftMessage: byId<HTMLSelectElement>('filter-message').value,
    };
    this.page = 1;
    this.onChange();
  }

  private goTo(page: number): void {
    this.page = page;
    this.onChange();
  }

  private render(doc: StatusDocument): void {
    setText(byId('detail-title'), doc.requestId);
    this.controls.update(doc);
    this.sharing.update(doc);
    const took = doc.completedAt ? ` · completed ${formatTime(doc.completedAt)} (took ${formatDuration(Date.parse(doc.completedAt) - Date.parse(doc.createdAt))})` : '';
    const flow = doc.callFlowId ? ` · flow “${this.flowTitle(doc.callFlowId) ?? doc.callFlowId}” version ${doc.callFlowVersion}` : '';
    setText(byId('detail-meta'), `${label(doc.source)} campaign${flow} · created ${formatTime(doc.createdAt)}${took}`);
    renderIfChanged(byId('detail-summary'), JSON.stringify([doc.status, doc.summary]), () => summary(doc.status, doc.summary));

    const filtered = Boolean(this.filters.status || this.filters.outcome || this.filters.phone || this.filters.leftMessage);
    const { page, totalPages, total } = doc.pagination;
    const first = total === 0 ? 0 : (page - 1) * doc.pagination.perPage + 1;
    const last = Math.min(total, page * doc.pagination.perPage);
    setText(
      byId('detail-count'),
      total === 0 ? (filtered ? 'No destination matches' : 'No destinations') : `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}${filtered ? ' matching' : ''}`,
    );
    renderIfChanged(byId('call-rows'), JSON.stringify(doc.details), () => doc.details.map((call) => this.callRow(call)));
    renderIfChanged(byId('calls-pager'), `${page}/${totalPages}/${total}`, () =>
      pager(page, totalPages, (next) => this.goTo(next), `${formatCount(total)} destination${total === 1 ? '' : 's'}`),
    );
  }

  private callRow(call: CallDetail): HTMLElement {
    const outcome = h('td', {}, call.call_status ? badge(call.call_status) : h('span', { class: 'muted' }, '–'));
    if (call.failureReason) outcome.append(h('div', { class: 'muted small failure' }, call.failureReason));
    return h(
      'tr',
      { 'data-destination': call.destination, 'data-call-id': call.callId },
      h('td', { class: 'mono' }, call.destination),
      h('td', { class: 'mono muted' }, call.caller),
      h(
        'td',
        {},
        badge(call.status, `call_state: ${call.call_state}`),
        call.nextAttemptAt ? h('div', { class: 'muted small', title: call.nextAttemptAt }, `next attempt ${formatTime(call.nextAttemptAt)}`) : null,
      ),
      outcome,
      h('td', { class: 'num' }, call.attempts),
      h('td', { title: call.dialedAt ?? '' }, formatTime(call.dialedAt)),
      h('td', { title: call.answeredAt ?? '' }, formatTime(call.answeredAt)),
      h('td', { title: call.endedAt ?? '' }, formatTime(call.endedAt)),
      h('td', { class: 'steps-cell' }, this.steps(call), this.leftMessages(call), call.recordings?.length ? this.recordings(call.recordings) : null),
    );
  }

  /** What the callee said at record steps: a player (fetched with the key when pressed) and the transcript. */
  private leftMessages(call: CallDetail): HTMLElement | null {
    const recorded = call.callFlowSteps.filter((step) => step.info.recording);
    if (recorded.length === 0) return null;
    return h(
      'div',
      { class: 'voicemails' },
      ...recorded.map((step) => {
        const recording = step.info.recording!;
        const button = h('button', { type: 'button', class: 'link small', 'data-voicemail': recording.id }, `▶ message (${recording.durationSeconds} s, ended by ${label(recording.endedBy)})`);
        button.addEventListener('click', () => void this.play(button, { id: recording.id, file: recording.file }));
        const transcription = step.info.transcription;
        const text = !transcription
          ? null
          : transcription.status === 'done'
            ? h('blockquote', { class: 'transcript', 'data-transcript': recording.id }, transcription.text || '(nothing was understood)')
            : h('span', { class: 'muted small', 'data-transcript': recording.id }, transcription.status === 'pending' ? 'transcribing…' : 'transcription failed');
        return h('div', { class: 'voicemail' }, button, text);
      }),
    );
  }

  /** A call's recordings: each plays here once fetched with the key header (an <audio> src cannot send it). */
  private recordings(recordings: Recording[]): HTMLElement {
    return h(
      'div',
      { class: 'recordings' },
      ...recordings.map((recording) => {
        const ready = recording.status === 'done';
        const button = h('button', { type: 'button', class: 'link small', 'data-recording': recording.id, disabled: !ready }, ready ? `▶ recording (${recording.duration} s)` : `recording ${label(recording.status)}`);
        button.addEventListener('click', () => void this.play(button, recording));
        return button;
      }),
    );
  }

  private async play(button: HTMLButtonElement, recording: Pick<Recording, 'id' | 'file'>): Promise<void> {
    button.disabled = true;
    try {
      const blob = await (await apiFetch(recording.file)).blob();
      const audio = h('audio', { controls: true, src: URL.createObjectURL(blob), 'data-recording-audio': recording.id });
      button.replaceWith(audio);
      void (audio as HTMLAudioElement).play().catch(() => undefined); // autoplay may be refused; the controls remain
    } catch (error) {
      button.disabled = false;
      this.onError(error);
    }
  }

  /** Each step as a chip (outcome, digit pressed, transfer status; the spoken message on hover); click for the full list. */
  private steps(call: CallDetail): HTMLElement {
    if (call.callFlowSteps.length === 0) return h('span', { class: 'muted small' }, NO_STEP_YET[call.call_state] ?? 'no step ran');
    const details = h('details', { open: this.expanded.has(call.callId) });
    details.addEventListener('toggle', () => (details.open ? this.expanded.add(call.callId) : this.expanded.delete(call.callId)));
    details.append(
      h('summary', {}, ...call.callFlowSteps.map(stepChip)),
      h(
        'ol',
        { class: 'step-list' },
        ...call.callFlowSteps.map((step) =>
          h(
            'li',
            {},
            h('span', { class: 'mono small muted' }, step.path),
            ' ',
            stepChip(step),
            ' ',
            h('span', { class: 'muted small step-times' }, `${formatTime(step.startedAt)} → ${formatTime(step.endedAt)}`),
            step.info.message ? h('blockquote', {}, step.info.message) : null,
          ),
        ),
      ),
    );
    return details;
  }

  /** GET /status/{id}/export.csv with the key header (a plain link cannot send it), saved under the server's file name. */
  private async exportCsv(): Promise<void> {
    const requestId = this.requestId;
    if (!requestId) return;
    const button = byId<HTMLButtonElement>('export-csv');
    button.disabled = true;
    setText(button, 'Exporting…');
    try {
      const response = await apiFetch(statusPath(requestId, '/export.csv'));
      await saveDownload(response, `${requestId.replace(/[^\w.-]/g, '_')}-results.csv`);
    } catch (error) {
      this.onError(error);
    } finally {
      button.disabled = false;
      setText(button, 'Export CSV');
    }
  }
}

function summary(status: string, s: Summary): Node[] {
  const item = (name: string, value: number, cls = '') => h('div', { class: `summary-item ${cls}`, 'data-summary': name }, h('span', { class: 'value' }, formatCount(value)), h('span', { class: 'label' }, label(name)));
  return [
    h('div', { class: 'summary-item state' }, badge(status), h('span', { class: 'label' }, 'state')),
    item('total', s.total),
    item('queued', s.queued),
    item('onProgress', s.inProgress),
    item('ended', s.ended),
    item('answered', s.answered, 'count-answered'),
    item('busy', s.busy, 'count-busy'),
    item('no_answer', s.no_answer, 'count-no_answer'),
    item('failed', s.failed, 'count-failed'),
    item('cancelled', s.cancelled, 'count-cancelled'),
    s.suppressed ? item('suppressed', s.suppressed, 'count-cancelled') : null,
    s.expired ? item('expired', s.expired, 'count-expired') : null,
    s.leftMessage ? item('leftMessage', s.leftMessage, 'count-answered') : null,
  ].filter((node): node is HTMLDivElement => node !== null);
}

/** What a call without steps is doing (once ended without steps: it was not answered, or never dialed). */
const NO_STEP_YET: Record<string, string> = {
  queued: 'waiting for a slot',
  paused: 'paused with its campaign',
  scheduled: 'scheduled',
  dialing: 'dialing…',
  ringing: 'ringing…',
  ongoing: 'answered…',
};

const STEP_ICONS: Record<string, string> = { success_ok: '✓', no_input: '∅', failed: '✕', interrupted: '⏹', in_progress: '…' };

/** `gather 1`, `transfer busy`, `play ✓`: what happened at a step, with the rendered message in its title. */
function stepChip(step: Step): HTMLElement {
  const info = step.info;
  const parts: (Node | string)[] = [step.stepName];
  if (step.stepName === 'gather') {
    parts.push(' ', info.userPressedDigits ? h('kbd', { title: 'key pressed' }, info.userPressedDigits) : h('span', { class: 'no-input' }, 'no input'));
  } else if (step.stepName === 'transfer' && info.transfer_status) {
    parts.push(' ', label(info.transfer_status));
  } else {
    parts.push(' ', STEP_ICONS[info.status] ?? '');
  }
  const title = [`${step.stepName} (${step.path}): ${label(info.status)}`];
  if (info.transfer_status) title.push(`transfer: ${label(info.transfer_status)}`);
  if (info.message) title.push(`“${info.message}”`);
  return h('span', { class: `step step-${info.status}`, 'data-step': step.stepName, title: title.join('\n') }, ...parts);
}
