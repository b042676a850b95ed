/** The JSON the dashboard reads, as the API documents it (README: "The API", "Status values"). */

export interface Usage {
  limit: number;
  externalOngoingCalls: number;
  /** `reported` by other apps (PUT /organization/usage), or counted from the `messagebird` account. */
  externalSource: 'reported' | 'messagebird' | 'bird';
  ongoingCalls: number;
  free: number;
  queuedCalls: number;
}

export type RequestStatus = 'submitted' | 'onProgress' | 'paused' | 'completed' | 'cancelled';
export type CallProgress = 'queued' | 'scheduled' | 'onProgress' | 'completed' | 'cancelled' | 'suppressed' | 'expired';
export type CallOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled';

export interface Summary {
  total: number;
  queued: number;
  inProgress: number;
  ended: number;
  answered: number;
  busy: number;
  no_answer: number;
  failed: number;
  cancelled: number;
  /** Destinations on the do-not-call list, never dialed. */
  suppressed?: number;
  /** Calls not placed before the campaign's expiresAt (retries included). */
  expired?: number;
  /** Calls that left a message at a record step. */
  leftMessage?: number;
}

/** PATCH /status/{requestId}: what may change while a campaign runs (null removes the cap). */
export interface CampaignChanges {
  priority?: number;
  weight?: number;
  maxConcurrentCalls?: number | null;
}

/** What pause, resume and cancel answer: the campaign without its details. */
export type CampaignControlAnswer = Campaign;

export interface Pagination {
  page: number;
  perPage: number;
  total: number;
  totalPages: number;
}

export interface Campaign {
  requestId: string;
  createdAt: string;
  completedAt: string | null;
  source: 'api' | 'csv';
  /** The saved call flow (and version) the campaign started with; null or absent: its flow was sent with it. */
  callFlowId?: string | null;
  callFlowVersion?: number | null;
  /** How it shares the organization's slots (README "Several campaigns at once"); absent on servers before them. */
  priority?: number;
  weight?: number;
  /** Most slots its calls hold at once; null: only the organization's limit. */
  maxConcurrentCalls?: number | null;
  /** Nothing is dialed before it; calls not placed by expiresAt end as expired (ISO 8601). */
  startAt?: string | null;
  expiresAt?: string | null;
  status: RequestStatus;
  summary: Summary;
}

export interface CampaignList {
  campaigns: Campaign[];
  pagination: Pagination;
}

export interface StepInfo {
  call_state?: string;
  call_status?: string | null;
  status: 'in_progress' | 'success_ok' | 'no_input' | 'failed' | 'interrupted' | string;
  userPressedDigits?: string;
  transfer_status?: string | null;
  message?: string | null;
  /** Record steps that captured a message; `file` streams the .wav with the API key. */
  recording?: { id: string; durationSeconds: number; endedBy: string; status: string; file: string };
  transcription?: { status: 'pending' | 'done' | 'failed'; text: string | null };
}

export interface Step {
  stepName: 'play' | 'gather' | 'transfer' | 'record' | string;
  path: string;
  startedAt?: string | null;
  endedAt?: string | null;
  info: StepInfo;
}

export interface CallDetail {
  callId: string;
  destination: string;
  caller: string;
  status: CallProgress;
  call_state: string;
  call_status: CallOutcome | null;
  attempts: number;
  /** When a scheduled call (a retry, or waiting for calling hours) is queued again. */
  nextAttemptAt?: string;
  dialedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  failureReason?: string;
  callFlowSteps: Step[];
  /** Campaigns with enableCallRecording (MessageBird), once read; `file` streams the .wav with the API key. */
  recordings?: Recording[];
}

export interface Recording {
  id: string;
  status: 'initialised' | 'recording' | 'done' | 'failed';
  /** Seconds. */
  duration: number;
  createdAt: string | null;
  file: string;
}

export interface StatusDocument extends Campaign {
  details: CallDetail[];
  pagination: Pagination;
}

export interface TimelinePoint {
  at: string;
  started: number;
  ended: number;
  answered: number;
  busy: number;
  no_answer: number;
  failed: number;
}

export interface Timeline {
  bucketSeconds: number;
  points: TimelinePoint[];
}

export interface RowError {
  line: number;
  column: string | null;
  value: string | null;
  message: string;
}

export interface ImportReport {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
}

export interface FieldError extends Partial<RowError> {
  field: string;
  message: string;
}

/** Every error the API answers: `{status, message}`, a 400 adds `errors` (and a refused CSV `importReport`). */
export interface ErrorBody {
  status: string;
  message: string;
  errors?: FieldError[];
  errorCount?: number;
  importReport?: ImportReport;
}

/** GET /organization/webhook-endpoints (README "Status callbacks"). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookEndpointList {
  endpoints: WebhookEndpoint[];
}

/** GET /organization/webhook-endpoints/{id}/deliveries */
export interface WebhookDelivery {
  id: string;
  eventId: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'suspended';
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  error: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface WebhookDeliveryList {
  deliveries: WebhookDelivery[];
  pagination: Pagination;
}

/** A saved call flow (POST/GET/PUT /call-flows; README "Saved call flows"). */
export interface SavedFlow {
  id: string;
  title: string;
  version: number;
  callFlow: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface SavedFlowList {
  items: SavedFlow[];
  pagination?: Partial<Pagination> & Record<string, unknown>;
}

/** One step of POST /call-flows/preview's answer, in the order it would run. */
export interface PreviewStep {
  seq: number;
  /** `callFlow.steps[1].branches[0].callFlow.steps[0]`, as validation errors name it. */
  path: string;
  stepName: string;
  text?: string;
  voice?: { language?: string; gender?: string; pitch?: number; rate?: number };
  prompts?: { attempt: number; text: string; key: string; result: 'follow' | 'reprompt' | 'hangup' }[];
  maxRetries?: number;
  key?: string;
  branch?: { index: number; path: string; digit?: string; default: boolean; optOut: boolean } | null;
  optOut?: boolean;
  transfer?: { destination: string; status: string };
  record?: { maxLength: number; timeout: number; endKey: string; beep: boolean; transcribe: boolean; transcribeLocale: string };
}

export interface PreviewAnswer {
  platform?: string;
  steps: PreviewStep[];
  outcome?: { endedBy: 'end_of_flow' | 'transferred' | 'no_branch'; description: string; optOut: boolean; transferredTo?: string; keysUsed: number; unusedKeys: string[] };
}

/** POST /call?dryRun=true and POST /call/csv with dryRun=true. */
export interface DryRunAnswer {
  dryRun: true;
  requestId: string;
  requestIdInUse: boolean;
  destinations: number;
  wouldDialNow: number;
  scheduled: number;
  suppressed: number;
  rejected: number;
  errors: (FieldError & Partial<RowError>)[];
  errorCount: number;
}

/** GET /status/{requestId}/funnel: a box is a count and the link of the CSV of exactly its destinations. */
export interface FunnelBox {
  count: number;
  /** Relative to the API, fetched with the key; null when the box moves too fast to export (queued, in progress). */
  export: string | null;
}

export interface FunnelKey extends FunnelBox {
  key: string;
  branchIndex: number | null;
  optOut: boolean;
}

export interface FunnelStep {
  path: string;
  stepName: string;
  depth: number;
  branchOf: { step: string; branchIndex: number; digit: string | null; default: boolean } | null;
  message?: string;
  destination?: string;
  reached: FunnelBox;
  inProgress: number;
  outcomes: Record<'success_ok' | 'no_input' | 'failed' | 'interrupted', FunnelBox>;
  gather?: { keys: FunnelKey[]; optedOut: FunnelBox };
  transfer?: Record<'answered' | 'notAnswered' | 'busy' | 'no_answer' | 'failed', FunnelBox>;
  record?: { recorded: FunnelBox; transcribed: FunnelBox };
}

export type FunnelTotals = Record<
  'total' | 'queued' | 'inProgress' | 'ended' | 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled' | 'suppressed' | 'expired' | 'leftMessage' | 'optedOut',
  FunnelBox
>;

export interface Funnel {
  requestId: string;
  status: string;
  at: string;
  totals: FunnelTotals;
  eta: string | null;
  etaReason: string | null;
  etaBasis: {
    queued: number;
    dialRatePerMinute: number;
    rateWindowSeconds: number;
    slotLimit: number;
    freeSlots: number;
    callingHoursOpen: boolean | null;
    nextWindow: { opens: string; closes: string } | null;
  };
  steps: FunnelStep[];
}
