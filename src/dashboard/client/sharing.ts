import { ApiError, apiFetch, NetworkError, statusPath } from './api.js';
import { byId, formatDuration, formatInstant, h, setText, show } from './dom.js';
import type { Campaign, CampaignChanges } from './types.js';

/** States in which PATCH /status/{requestId} may still change the campaign (else a 409). */
const CHANGEABLE = new Set(['submitted', 'onProgress', 'paused']);

/**
 * How a campaign shares the organization's slots and when it may dial (README "Several campaigns at once"):
 * its priority, weight, cap, start and expiry, shown in the detail; while it runs, "Change…" opens a form
 * that sends only the fields the operator changed (PATCH /status/{requestId}), and shows the API's
 * message (and field errors) when it is refused, e.g. the 403 of a read-only API key.
 */
export class CampaignSharingView {
  private campaign: Campaign | null = null;
  private readonly section = byId('detail-sharing');
  private readonly edit = byId<HTMLButtonElement>('sharing-edit');
  private readonly form = byId<HTMLFormElement>('sharing-form');
  private readonly error = byId('sharing-error');
  private readonly save = byId<HTMLButtonElement>('sharing-save');

  constructor(
    private readonly onDone: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.edit.addEventListener('click', () => this.openForm());
    byId('sharing-cancel').addEventListener('click', () => this.closeForm());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** Shows the campaign's values; the form, once open, keeps what the operator typed across refreshes. */
  update(campaign: Campaign | null): void {
    const other = campaign?.requestId !== this.campaign?.requestId;
    this.campaign = campaign;
    if (!campaign || other) this.closeForm();
    // A server without priorities (no `priority` in its answers): nothing to show or change.
    show(this.section, campaign?.priority !== undefined);
    if (!campaign || campaign.priority === undefined) return;
    const changeable = CHANGEABLE.has(campaign.status);
    if (!changeable) this.closeForm();
    show(this.edit, changeable && this.form.hidden === true);

    value('priority', String(campaign.priority), 'Free slots go to the highest priority with calls waiting (1 lowest … 10 highest)');
    value('weight', String(campaign.weight ?? 1), 'Its share of the slots against the campaigns of the same priority');
    value('maxConcurrentCalls', campaign.maxConcurrentCalls == null ? 'no cap' : String(campaign.maxConcurrentCalls), "Most slots its calls hold at once (no cap: only the organization's limit)");
    value('startAt', instant(campaign.startAt, 'at once'), campaign.startAt ?? 'Dialed as soon as slots and calling hours allow');
    value('expiresAt', instant(campaign.expiresAt, 'never'), campaign.expiresAt ?? 'Its calls are placed however long it takes');
  }

  private openForm(): void {
    const campaign = this.campaign;
    if (!campaign) return;
    byId<HTMLInputElement>('sharing-priority').value = String(campaign.priority ?? 5);
    byId<HTMLInputElement>('sharing-weight').value = String(campaign.weight ?? 1);
    byId<HTMLInputElement>('sharing-cap').value = campaign.maxConcurrentCalls == null ? '' : String(campaign.maxConcurrentCalls);
    show(this.error, false);
    show(this.form, true);
    show(this.edit, false);
    byId<HTMLInputElement>('sharing-priority').focus();
  }

  private closeForm(): void {
    show(this.form, false);
    show(this.error, false);
    show(this.edit, this.campaign !== null && CHANGEABLE.has(this.campaign.status));
  }

  /** Only what differs from the campaign as last shown; an emptied cap is null (no cap). */
  private changes(campaign: Campaign): CampaignChanges {
    const changes: CampaignChanges = {};
    const priority = Number(byId<HTMLInputElement>('sharing-priority').value);
    const weight = Number(byId<HTMLInputElement>('sharing-weight').value);
    const capText = byId<HTMLInputElement>('sharing-cap').value.trim();
    const cap = capText === '' ? null : Number(capText);
    if (priority !== campaign.priority) changes.priority = priority;
    if (weight !== (campaign.weight ?? 1)) changes.weight = weight;
    if (cap !== (campaign.maxConcurrentCalls ?? null)) changes.maxConcurrentCalls = cap;
    return changes;
  }

  private async submit(): Promise<void> {
    const campaign = this.campaign;
    if (!campaign) return;
    const changes = this.changes(campaign);
    if (Object.keys(changes).length === 0) {
      this.closeForm();
      return;
    }
    this.save.disabled = true;
    show(this.error, false);
    try {
      const response = await apiFetch(statusPath(campaign.requestId), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(changes),
      });
      const answer = (await response.json()) as Campaign;
      if (answer.requestId === this.campaign?.requestId) {
        this.closeForm();
        this.update(answer);
      }
      this.onDone();
    } catch (error) {
      if (error instanceof ApiError) this.showError(error);
      else if (error instanceof NetworkError) this.showMessage('Cannot reach the server: nothing was changed. Try again in a moment.', []);
      else this.onError(error); // a refused key (back to the prompt), or a bug
    } finally {
      this.save.disabled = false;
    }
  }

  private showError(error: ApiError): void {
    const errors = error.body?.errors ?? [];
    this.showMessage(error.body?.message ?? `The server answered ${error.httpStatus}: nothing was changed.`, errors.map((e) => `${e.field}: ${e.message}`));
  }

  private showMessage(message: string, details: string[]): void {
    this.error.replaceChildren(message, ...(details.length ? [h('ul', { class: 'field-errors' }, ...details.map((text) => h('li', {}, text)))] : []));
    show(this.error, true);
  }
}

function value(name: string, text: string, title: string): void {
  const element = byId('detail-sharing').querySelector<HTMLElement>(`[data-sharing="${name}"]`);
  if (!element) throw new Error(`[data-sharing="${name}"] is missing from the page`);
  setText(element, text);
  if (element.title !== title) element.title = title;
}

/** `Jan 15, 2027, 09:00 GMT+8 (in 3 h 02 m)`, in this browser's time zone; `none` when absent. */
function instant(iso: string | null | undefined, none: string): string {
  if (!iso) return none;
  const ms = Date.parse(iso) - Date.now();
  const soon = ms > 0 && ms < 48 * 3600_000 ? ` (in ${formatDuration(ms)})` : '';
  return `${formatInstant(iso)}${soon}`;
}
