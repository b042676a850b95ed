/**
 * The shapes of the MessageBird Voice Calling API (version 20170314) this service reads and writes,
 * as the SDKs' own test bodies show them (test/support/messagebird-double/fixtures).
 */

export type MessageBirdCallStatus = 'starting' | 'ongoing' | 'ended';
export type MessageBirdLegStatus = 'starting' | 'ringing' | 'ongoing' | 'busy' | 'no_answer' | 'failed' | 'hangup';

export interface MessageBirdCall {
  id: string;
  status: MessageBirdCallStatus;
  source?: string;
  destination?: string;
  numberId?: string;
  createdAt?: string;
  updatedAt?: string;
  endedAt?: string | null;
}

export interface MessageBirdLeg {
  id: string;
  callId: string;
  source?: string;
  destination: string;
  status: MessageBirdLegStatus;
  direction: 'incoming' | 'outgoing';
  duration?: number;
  createdAt?: string;
  updatedAt?: string;
  answeredAt?: string | null;
  endedAt?: string | null;
  sipResponseCode?: number;
}

export interface MessageBirdRecording {
  id: string;
  format: string;
  legId: string;
  status: 'initialised' | 'recording' | 'done' | 'failed';
  duration: number;
  type?: string;
  createdAt?: string;
  updatedAt?: string;
  _links?: { file?: string; self?: string };
}

/** A recording's transcription (the SDKs' fixtures): `error` says why it failed; its text is the `.txt` beside it. */
export interface MessageBirdTranscription {
  id: string;
  recordingId?: string;
  error?: string | null;
  createdAt?: string;
  updatedAt?: string;
  _links?: { self?: string; file?: string };
}

export interface MessageBirdPagination {
  totalCount: number;
  pageCount: number;
  currentPage: number;
  perPage: number;
}

/** Every successful body: `data` is always an array, even for one object. */
export interface MessageBirdEnvelope<T> {
  data: T[];
  _links?: Record<string, string>;
  pagination?: MessageBirdPagination;
}

export interface MessageBirdStep {
  id?: string;
  action: 'say' | 'play' | 'pause' | 'transfer' | 'record' | 'fetchCallFlow' | 'hangup';
  options?: Record<string, unknown>;
  onKeypressVar?: string;
  onKeypressGoto?: string;
  conditions?: { variable: string; operator: string; value: string }[];
}

export interface MessageBirdCallFlow {
  title?: string;
  record?: boolean;
  steps: MessageBirdStep[];
}

export interface PlaceCallRequest {
  source: string;
  destination: string;
  callFlow: MessageBirdCallFlow;
  webhook: { url: string; token: string };
}

/** One item of a webhook body: `{timestamp, items: [{type: 'call', event, payload}]}`. */
export interface MessageBirdWebhookItem {
  type: string;
  event: string;
  payload: MessageBirdCall & { legs?: MessageBirdLeg[] };
}
