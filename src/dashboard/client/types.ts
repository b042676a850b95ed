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
export type CallProgress = 'queued' | 'scheduled' | 'onProgress' | 'completed' | 'cancelled' | 'suppressed';
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
  /** Calls that left a message at a record step. */
  leftMessage?: number;
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
