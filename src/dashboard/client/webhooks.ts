import { getJson } from './api.js';
import { badge, byId, formatTime, h, renderIfChanged, setText, show } from './dom.js';
import type { WebhookDelivery, WebhookDeliveryList, WebhookEndpoint, WebhookEndpointList } from './types.js';

const RECENT_DELIVERIES = 10;

/**
 * Status callbacks: the organization's webhook endpoints (enabled, disabled, failing since) and the recent
 * deliveries of the one selected (the first by default): event, status, attempts, answer, next attempt.
 */
export class WebhooksView {
  private selected: string | null = null;

  async refresh(): Promise<void> {
    const { endpoints } = await getJson<WebhookEndpointList>('/organization/webhook-endpoints');
    if (!endpoints.some((e) => e.id === this.selected)) this.selected = endpoints[0]?.id ?? null;
    const selected = endpoints.find((e) => e.id === this.selected) ?? null;
    renderIfChanged(byId('webhook-rows'), JSON.stringify([endpoints, this.selected]), () => endpoints.map((endpoint) => this.row(endpoint)));
    show(byId('webhooks-empty'), endpoints.length === 0);
    show(byId('deliveries'), selected !== null);
    if (!selected) return;
    const list = await getJson<WebhookDeliveryList>(`/organization/webhook-endpoints/${selected.id}/deliveries?perPage=${RECENT_DELIVERIES}`);
    if (selected.id !== this.selected) return; // another endpoint was chosen meanwhile
    setText(byId('deliveries-title'), `Recent deliveries to ${selected.url} (${list.pagination.total} in all)`);
    renderIfChanged(byId('delivery-rows'), JSON.stringify(list.deliveries), () => list.deliveries.map(deliveryRow));
    show(byId('deliveries-empty'), list.deliveries.length === 0);
  }

  private row(endpoint: WebhookEndpoint): HTMLElement {
    const state = endpoint.enabled ? (endpoint.failingSince ? 'failing' : 'enabled') : 'disabled';
    const title = endpoint.enabled
      ? endpoint.failingSince
        ? `Every delivery has failed since ${endpoint.failingSince}`
        : 'Deliveries are sent'
      : (endpoint.disabledReason ?? 'Disabled');
    return h(
      'tr',
      {
        class: endpoint.id === this.selected ? 'selected clickable' : 'clickable',
        'data-endpoint-id': endpoint.id,
        onclick: () => {
          this.selected = endpoint.id;
          void this.refresh();
        },
      },
      h('td', { class: 'webhook-url' }, h('button', { type: 'button', class: 'link', title: 'Show its recent deliveries' }, endpoint.url)),
      h('td', {}, endpoint.description ?? '–'),
      h('td', { class: 'small' }, endpoint.events.join(', ')),
      h('td', { 'data-state': state }, badge(state, title)),
      h('td', { title: endpoint.createdAt }, formatTime(endpoint.createdAt)),
    );
  }
}

function deliveryRow(delivery: WebhookDelivery): HTMLElement {
  const answer = delivery.responseStatus !== null ? String(delivery.responseStatus) : (delivery.error ?? '–');
  return h(
    'tr',
    { 'data-delivery-id': delivery.id },
    h('td', { title: delivery.eventId }, delivery.event),
    h('td', { 'data-status': delivery.status }, badge(delivery.status)),
    h('td', { class: 'num' }, String(delivery.attempts)),
    h('td', { title: delivery.error ?? delivery.responseBody ?? '' }, answer),
    h('td', { class: 'num' }, delivery.durationMs === null ? '–' : `${delivery.durationMs} ms`),
    h('td', { title: delivery.createdAt }, formatTime(delivery.createdAt)),
    h('td', { title: delivery.nextAttemptAt ?? '' }, delivery.nextAttemptAt ? formatTime(delivery.nextAttemptAt) : '–'),
  );
}
