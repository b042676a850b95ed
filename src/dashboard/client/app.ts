import { ApiError, forgetKey, getJson, NetworkError, storedKey, storeKey, UnauthorizedError } from './api.js';
import { FlowBuilder } from './builder.js';
import { CampaignListView } from './campaigns.js';
import { DetailView } from './detail.js';
import { byId, setText, show } from './dom.js';
import { renderGauge } from './gauge.js';
import type { Usage } from './types.js';
import { UploadForm } from './upload.js';
import { WebhooksView } from './webhooks.js';

/** How often each part refreshes. The gauge faster than the 2 s floor, the rest at it. */
const GAUGE_MS = 1000;
const LIST_MS = 2000;
const DETAIL_MS = 2000;

/** Runs a task now and then every `intervalMs` after it finished (never two at once); `now()` runs it at once. */
class Poller {
  private timer: number | undefined;
  private running = false;
  private again = false;
  private active = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    void this.tick();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
  }

  now(): void {
    if (!this.active) return;
    clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.task();
      pollSucceeded(this);
    } catch (error) {
      handleError(error, this);
    } finally {
      this.running = false;
    }
    if (!this.active) return;
    if (this.again) {
      this.again = false;
      void this.tick();
    } else {
      this.timer = window.setTimeout(() => void this.tick(), this.intervalMs);
    }
  }
}

const banner = byId('banner');
/** A banner about a failing poll goes away when that poll works again; one about an action after a while. */
let bannerOwner: Poller | null = null;
let bannerTimer: number | undefined;

function showBanner(message: string | null, owner: Poller | null = null): void {
  clearTimeout(bannerTimer);
  setText(banner, message ?? '');
  show(banner, message !== null);
  bannerOwner = message === null ? null : owner;
  if (message !== null && !owner) bannerTimer = window.setTimeout(() => showBanner(null), 10_000);
}

function pollSucceeded(poller: Poller): void {
  if (bannerOwner === poller) showBanner(null);
}

function handleError(error: unknown, poller: Poller | null = null): void {
  if (error instanceof UnauthorizedError) {
    // Only the key in use now: a late answer to a request sent with a previous key changes nothing.
    if (error.key === null || error.key === storedKey()) signOut('This API key is not valid. Enter a valid key.');
  } else if (error instanceof NetworkError) {
    showBanner('Cannot reach the server; retrying…', poller);
  } else if (error instanceof ApiError) {
    showBanner(error.message, poller);
  } else {
    console.error(error);
    showBanner(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`, poller);
  }
}

const list = new CampaignListView(
  (requestId) => detail.open(requestId),
  () => listPoller.now(),
);
const detail = new DetailView(
  () => {
    list.select(detail.requestId);
    detailPoller.now();
    listPoller.now();
  },
  handleError,
  (id) => builder.savedFlows().find((flow) => flow.id === id)?.title,
);
const upload = new UploadForm((requestId) => {
  list.firstPage();
  listPoller.now();
  detail.open(requestId);
}, handleError);
const builder = new FlowBuilder(
  handleError,
  (flow) => upload.useSavedFlow(flow),
  (flows) => upload.setSavedFlows(flows),
  (message) => showBanner(message),
);

const gaugePoller = new Poller(async () => {
  renderGauge(byId('slots'), await getJson<Usage>('/organization/usage'));
}, GAUGE_MS);
const listPoller = new Poller(() => list.refresh(), LIST_MS);
const detailPoller = new Poller(() => detail.refresh(), DETAIL_MS);
const webhooks = new WebhooksView();
const webhooksPoller = new Poller(() => webhooks.refresh(), LIST_MS);
const pollers = [gaugePoller, listPoller, detailPoller, webhooksPoller];

function startDashboard(key: string): void {
  setText(byId('key-hint'), key.length > 10 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '…');
  show(byId('key-prompt'), false);
  show(byId('session'), true);
  show(byId('dashboard'), true);
  for (const poller of pollers) poller.start();
  // The saved flows, once per sign-in (and again after each save); a server without them leaves the list empty.
  builder.refreshList().catch((error) => {
    if (!(error instanceof ApiError && error.httpStatus === 404)) handleError(error);
  });
}

/** Back to the key prompt, with a message saying why (a refused key); the key is forgotten. */
function signOut(message: string | null): void {
  for (const poller of pollers) poller.stop();
  forgetKey();
  detail.close();
  builder.reset();
  showBanner(null);
  show(byId('dashboard'), false);
  show(byId('session'), false);
  show(byId('key-prompt'), true);
  const error = byId('key-error');
  setText(error, message ?? '');
  show(error, message !== null);
  const input = byId<HTMLInputElement>('key-input');
  input.value = '';
  input.setAttribute('aria-invalid', String(message !== null));
  input.focus();
}

/** A key entered: checked with GET /organization/usage before it is kept. */
byId<HTMLFormElement>('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('key-input');
  const key = input.value.trim();
  if (!key) return;
  const button = byId<HTMLButtonElement>('key-submit');
  button.disabled = true;
  try {
    await getJson<Usage>('/organization/usage', key);
    storeKey(key);
    show(byId('key-error'), false);
    input.value = '';
    startDashboard(key);
  } catch (error) {
    const message =
      error instanceof UnauthorizedError
        ? 'This API key is not valid. Check it and try again.'
        : error instanceof NetworkError
          ? 'Cannot reach the server. Try again in a moment.'
          : `The server could not check the key: ${(error as Error).message}`;
    const element = byId('key-error');
    setText(element, message);
    show(element, true);
    input.setAttribute('aria-invalid', 'true');
    input.select();
  } finally {
    button.disabled = false;
  }
});

byId('change-key').addEventListener('click', () => signOut(null));

const key = storedKey();
if (key) startDashboard(key);
else signOut(null);
