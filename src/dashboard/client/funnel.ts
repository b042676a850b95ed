import { ApiError, apiFetch, getJson, saveDownload, statusPath } from './api.js';
import { byId, formatCount, formatDuration, formatTime, h, label, percent, renderIfChanged, setText, show } from './dom.js';
import type { Funnel, FunnelBox, FunnelStep } from './types.js';

const ETA_REASONS: Record<string, string> = {
  paused: 'the campaign is paused',
  cancelled: 'the campaign was cancelled',
  completed: 'every call has been dialed',
  'nothing-queued': 'no call is waiting',
  'no-free-slots': 'no call slot is free',
  'outside-calling-hours': 'outside the calling hours',
  'no-recent-dials': 'no call was dialed in the last minutes',
  'calling-hours-never-open': 'the calling hours never open',
  'beyond-horizon': 'too far ahead to tell',
};

const OUTCOME_LABELS: Record<string, string> = { success_ok: 'finished', no_input: 'no input', failed: 'failed', interrupted: 'hung up during it' };

/**
 * A campaign's funnel over its flow (GET /status/{requestId}/funnel): the whole campaign's boxes, then every step
 * in flow order with how many calls reached it and what happened there (keys pressed and no input, opt-outs,
 * transfers, messages left), and an ETA for the queued calls. A box with an export link downloads exactly its
 * destinations as CSV (fetched with the key).
 */
export class FunnelView {
  private readonly section = byId('funnel');
  private readonly body = byId('funnel-body');
  private requestId: string | null = null;
  /** A server without the route (404 for a campaign the status page found): the view stays hidden. */
  private unavailable = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  reset(requestId: string | null): void {
    this.requestId = requestId;
    this.body.replaceChildren();
    delete this.body.dataset.renderKey;
    setText(byId('funnel-eta'), '');
    show(this.section, false);
  }

  async refresh(requestId: string): Promise<void> {
    if (this.unavailable) return;
    let funnel: Funnel;
    try {
      funnel = await getJson<Funnel>(statusPath(requestId, '/funnel'));
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 404) {
        // "Cannot GET …": this server has no funnel route; else the campaign is gone (the status page says so).
        if (/^Cannot GET/.test(error.message)) this.unavailable = true;
        return;
      }
      throw error;
    }
    if (requestId !== this.requestId) return;
    show(this.section, true);
    this.renderEta(funnel);
    const { at: _at, eta: _eta, etaBasis: _basis, ...counts } = funnel;
    renderIfChanged(this.body, JSON.stringify(counts), () => this.render(funnel));
  }

  private renderEta(funnel: Funnel): void {
    const basis = funnel.etaBasis;
    const rate = `${basis.dialRatePerMinute.toLocaleString(undefined, { maximumFractionDigits: 1 })} calls/min over the last ${formatDuration(basis.rateWindowSeconds * 1000)}`;
    const slots = `${basis.freeSlots} of ${basis.slotLimit} slots free`;
    const hours = basis.callingHoursOpen === null ? '' : basis.callingHoursOpen ? ' · calling hours open' : basis.nextWindow ? ` · calling hours open ${formatTime(basis.nextWindow.opens)}` : ' · outside calling hours';
    const eta = funnel.eta
      ? `${formatCount(basis.queued)} queued: the last one dialed by ${formatTime(funnel.eta)} (in ${formatDuration(Date.parse(funnel.eta) - Date.parse(funnel.at))})`
      : `${formatCount(basis.queued)} queued${funnel.etaReason ? ` · no ETA: ${ETA_REASONS[funnel.etaReason] ?? funnel.etaReason}` : ''}`;
    const element = byId('funnel-eta');
    element.dataset.eta = funnel.eta ?? '';
    element.dataset.etaReason = funnel.etaReason ?? '';
    setText(element, `${eta} · ${rate} · ${slots}${hours}`);
  }

  private render(funnel: Funnel): Node[] {
    const t = funnel.totals;
    const total = t.total.count;
    const totals = h(
      'div',
      { class: 'funnel-totals' },
      this.box('total', 'destinations', t.total, funnel, 'total'),
      this.box('answered', 'answered', t.answered, funnel, 'count-answered'),
      this.box('busy', 'busy', t.busy, funnel, 'count-busy'),
      this.box('no_answer', 'no answer', t.no_answer, funnel, 'count-no_answer'),
      this.box('failed', 'failed', t.failed, funnel, 'count-failed'),
      this.box('cancelled', 'cancelled', t.cancelled, funnel, 'count-cancelled'),
      t.suppressed.count > 0 ? this.box('suppressed', 'do not call', t.suppressed, funnel, 'count-cancelled') : null,
      // Servers before issue 18 have no expired box.
      t.expired && t.expired.count > 0 ? this.box('expired', 'expired', t.expired, funnel, 'count-expired') : null,
      this.box('leftMessage', 'left a message', t.leftMessage, funnel, 'count-answered'),
      this.box('optedOut', 'opted out', t.optedOut, funnel, 'count-cancelled'),
      this.box('queued', 'queued', t.queued, funnel),
      this.box('inProgress', 'in progress', t.inProgress, funnel),
    );
    const steps = h('ol', { class: 'funnel-steps' }, ...funnel.steps.map((step) => this.step(step, total, funnel)));
    return [totals, funnel.steps.length ? steps : h('p', { class: 'muted small' }, 'No step in this flow.')];
  }

  private step(step: FunnelStep, total: number, funnel: Funnel): HTMLElement {
    const where = step.branchOf
      ? h('span', { class: 'muted small' }, ` in ${step.branchOf.digit !== null ? `key ${step.branchOf.digit}` : 'the default branch'}${step.branchOf.default && step.branchOf.digit !== null ? ' (default)' : ''} of ${step.branchOf.step}`)
      : null;
    const reachedShare = percent(step.reached.count, total);
    const outcomes = Object.entries(step.outcomes)
      .filter(([, box]) => box.count > 0)
      .map(([name, box]) => this.box(`${step.path}/status:${name}`, OUTCOME_LABELS[name] ?? label(name), box, funnel, `outcome-${name}`, true));
    const kinds: (HTMLElement | null)[] = [];
    if (step.gather) {
      kinds.push(
        h(
          'div',
          { class: 'funnel-keys' },
          ...step.gather.keys.map((key) =>
            this.box(
              `${step.path}/key:${key.key}`,
              key.key === '' ? 'no input' : `pressed ${key.key}`,
              key,
              funnel,
              key.key === '' ? 'key-none' : 'key',
              false,
              key.optOut ? 'opt-out' : key.branchIndex === null ? 'no branch: the call ends' : key.key === '' ? `→ default, branch ${key.branchIndex}` : `→ branch ${key.branchIndex}`,
            ),
          ),
          step.gather.optedOut.count > 0 ? this.box(`${step.path}/optedOut`, 'opted out', step.gather.optedOut, funnel, 'count-cancelled') : null,
        ),
      );
    }
    if (step.transfer) {
      const tr = step.transfer;
      kinds.push(
        h(
          'div',
          { class: 'funnel-keys' },
          this.box(`${step.path}/transfer:answered`, 'transfer answered', tr.answered, funnel, 'count-answered'),
          this.box(`${step.path}/transfer:notAnswered`, 'not answered', tr.notAnswered, funnel, 'count-busy', false, `${tr.busy.count} busy · ${tr.no_answer.count} no answer · ${tr.failed.count} failed`),
        ),
      );
    }
    if (step.record) {
      kinds.push(
        h(
          'div',
          { class: 'funnel-keys' },
          this.box(`${step.path}/recorded`, 'messages left', step.record.recorded, funnel, 'count-answered'),
          step.record.transcribed.count > 0 ? this.box(`${step.path}/transcribed`, 'transcribed', step.record.transcribed, funnel) : null,
        ),
      );
    }
    return h(
      'li',
      { class: `funnel-step depth-${Math.min(step.depth, 4)}`, 'data-funnel-step': step.path, style: `--depth: ${step.depth}` },
      h(
        'div',
        { class: 'funnel-step-head' },
        h('span', { class: `fb-kind fb-kind-${step.stepName}` }, step.stepName),
        ' ',
        h('span', { class: 'mono small muted' }, step.path),
        where,
        step.message ? h('span', { class: 'funnel-message small', title: step.message }, `“${step.message}”`) : null,
        step.destination ? h('span', { class: 'mono small' }, ` → ${step.destination}`) : null,
      ),
      h(
        'div',
        { class: 'funnel-step-body' },
        h(
          'div',
          { class: 'funnel-reached' },
          h('div', { class: 'funnel-bar', role: 'img', 'aria-label': `${reachedShare} % of the destinations reached this step` }, h('span', { style: `width: ${reachedShare}%` })),
          this.box(`${step.path}/reached`, `reached${step.inProgress ? ` (${step.inProgress} now)` : ''}`, step.reached, funnel, 'reached'),
          ...outcomes,
        ),
        ...kinds,
      ),
    );
  }

  /** A count with its label; when the API gives an export link, a button that downloads its destinations. */
  private box(id: string, text: string, box: FunnelBox, funnel: Funnel, cls = '', small = false, note?: string): HTMLElement {
    const exportButton =
      box.export && box.count > 0
        ? h('button', { type: 'button', class: 'button-quiet icon funnel-export', 'data-export': id, title: `Download the ${formatCount(box.count)} destinations of “${text}” as CSV`, 'aria-label': `Export “${text}” as CSV` }, '⤓ CSV')
        : null;
    exportButton?.addEventListener('click', () => void this.download(exportButton, box.export!, `${funnel.requestId}-${text}`));
    return h(
      'div',
      { class: `funnel-box ${cls}${small ? ' small-box' : ''}${box.count === 0 ? ' zero' : ''}`, 'data-funnel-box': id, title: note ?? text },
      h('span', { class: 'value' }, formatCount(box.count)),
      h('span', { class: 'label' }, text),
      note && !small ? h('span', { class: 'note' }, note) : null,
      exportButton,
    );
  }

  private async download(button: HTMLButtonElement, link: string, name: string): Promise<void> {
    button.disabled = true;
    try {
      const response = await apiFetch(link);
      await saveDownload(response, `${name.replace(/[^\w.-]+/g, '_')}.csv`);
    } catch (error) {
      this.onError(error);
    } finally {
      button.disabled = false;
    }
  }
}
