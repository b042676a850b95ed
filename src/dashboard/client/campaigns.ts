import { getJson } from './api.js';
import { badge, byId, formatCount, formatInstant, formatTime, h, label, pager, percent, renderIfChanged, show } from './dom.js';
import type { Campaign, CampaignList, Summary } from './types.js';

const PER_PAGE = 20;
const OUTCOMES = ['answered', 'busy', 'no_answer', 'failed', 'cancelled'] as const;

/** The campaign list: GET /campaigns, newest first, 20 a page; a click opens a campaign's detail. */
export class CampaignListView {
  private page = 1;
  private selected: string | null = null;
  private last: CampaignList | null = null;

  constructor(
    private readonly onSelect: (requestId: string) => void,
    private readonly onPageChange: () => void,
  ) {}

  async refresh(): Promise<void> {
    const page = this.page;
    const list = await getJson<CampaignList>(`/campaigns?page=${page}&perPage=${PER_PAGE}`);
    if (page !== this.page) return; // the operator turned the page meanwhile
    if (list.pagination.totalPages > 0 && page > list.pagination.totalPages) {
      this.page = list.pagination.totalPages;
      return this.refresh();
    }
    this.last = list;
    this.render();
  }

  select(requestId: string | null): void {
    this.selected = requestId;
    if (this.last) this.render();
  }

  /** Back to the first page, where a campaign just submitted appears. */
  firstPage(): void {
    this.page = 1;
  }

  private render(): void {
    const list = this.last!;
    const rows = byId('campaign-rows');
    // A campaign's "starts …" note goes once its startAt has passed, even if nothing else changed.
    const waiting = list.campaigns.map((campaign) => Boolean(campaign.startAt && Date.parse(campaign.startAt) > Date.now()));
    renderIfChanged(rows, JSON.stringify([list.campaigns, this.selected, waiting]), () => list.campaigns.map((campaign) => this.row(campaign)));
    show(byId('campaigns-empty'), list.pagination.total === 0);
    const { page, totalPages, total } = list.pagination;
    renderIfChanged(byId('campaigns-pager'), `${page}/${totalPages}/${total}`, () =>
      pager(page, totalPages, (next) => this.goTo(next), `${formatCount(total)} campaign${total === 1 ? '' : 's'}`),
    );
  }

  private goTo(page: number): void {
    this.page = page;
    this.onPageChange();
  }

  private row(campaign: Campaign): HTMLElement {
    const open = () => this.onSelect(campaign.requestId);
    const s = campaign.summary;
    return h(
      'tr',
      {
        class: campaign.requestId === this.selected ? 'selected clickable' : 'clickable',
        'data-request-id': campaign.requestId,
        onclick: open,
      },
      h('td', { class: 'request-id' }, h('button', { type: 'button', class: 'link', title: 'Show the destinations of this campaign' }, campaign.requestId)),
      h('td', { title: campaign.createdAt }, formatTime(campaign.createdAt)),
      h('td', {}, h('span', { class: `source source-${campaign.source}` }, label(campaign.source))),
      h('td', { class: 'num priority-col', 'data-priority': campaign.priority ?? '', title: sharingTitle(campaign) }, campaign.priority ?? '–'),
      h('td', { class: 'progress-col' }, progress(s)),
      ...OUTCOMES.map((outcome) => h('td', { class: s[outcome] === 0 ? 'num zero' : `num count-${outcome}`, 'data-count': outcome }, formatCount(s[outcome]))),
      h('td', {}, badge(campaign.status), waitingToStart(campaign)),
    );
  }
}

/** Ended / total as a bar split by outcome, with the calls in progress after them. */
export function progress(s: Summary): HTMLElement {
  const done = percent(s.ended, s.total);
  const width = (n: number) => `width: ${s.total > 0 ? (n / s.total) * 100 : 0}%`;
  const title =
    `${s.ended} of ${s.total} calls ended (${s.answered} answered, ${s.busy} busy, ${s.no_answer} no answer, ${s.failed} failed, ${s.cancelled} cancelled` +
    `${s.suppressed ? `, ${s.suppressed} on the do-not-call list` : ''}${s.expired ? `, ${s.expired} expired` : ''}); ` +
    `${s.inProgress} in progress, ${s.queued} queued`;
  return h(
    'div',
    { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': done, 'aria-label': 'Calls ended', title },
    h(
      'div',
      { class: 'progress-track' },
      ...OUTCOMES.map((outcome) => (s[outcome] > 0 ? h('span', { class: `seg seg-${outcome}`, style: width(s[outcome]) }) : null)),
      s.suppressed ? h('span', { class: 'seg seg-suppressed', style: width(s.suppressed) }) : null,
      s.expired ? h('span', { class: 'seg seg-expired', style: width(s.expired) }) : null,
      s.inProgress > 0 ? h('span', { class: 'seg seg-running', style: width(s.inProgress) }) : null,
    ),
    h('span', { class: 'progress-text' }, `${formatCount(s.ended)} / ${formatCount(s.total)} · ${done} %`),
  );
}

/** The priority cell's hover: the rest of how the campaign shares the slots. */
function sharingTitle(campaign: Campaign): string {
  if (campaign.priority === undefined) return '';
  const parts = [`priority ${campaign.priority} (1 lowest … 10 highest)`, `weight ${campaign.weight ?? 1}`];
  if (campaign.maxConcurrentCalls != null) parts.push(`at most ${campaign.maxConcurrentCalls} calls at once`);
  if (campaign.expiresAt) parts.push(`expires ${formatInstant(campaign.expiresAt)}`);
  return parts.join(' · ');
}

/** Under the state of a campaign whose startAt is still ahead: when it starts dialing. */
function waitingToStart(campaign: Campaign): HTMLElement | null {
  if (!campaign.startAt || campaign.completedAt || Date.parse(campaign.startAt) <= Date.now()) return null;
  return h('div', { class: 'muted small', 'data-starts': campaign.startAt, title: campaign.startAt }, `starts ${formatInstant(campaign.startAt)}`);
}
