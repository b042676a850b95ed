import { CallFlow, GatherStep, RecordStep, StepPath, TransferStatus, VoiceMessage } from '../../call-flow/call-flow.types';
import { stepAt } from '../../call-flow/flow-interpreter';
import { MachineDetection } from '../machine-detection';
import { CallOutcome, RecordingEndedBy, TranscriptionStatus } from '../voice-provider';
import { MessageBirdCallFlow, MessageBirdLeg, MessageBirdRecording, MessageBirdStep, MessageBirdTranscription } from './messagebird-api.types';

/*
 * Everything this service assumes about how MessageBird executes call flows and reports legs lives in
 * this module (docs/messagebird.md, "Assumptions", lists the same points), so a correction is made here:
 *
 * A1. A call placed with POST /calls runs `callFlow` once its (outgoing) leg to the destination is answered.
 * A2. `fetchCallFlow` GETs its url (MessageBird adds callID, destination, … to the query) and runs the call
 *     flow in the answer in place of the rest of the current one; steps after a fetchCallFlow never run.
 * A3. A step with `onKeypressVar` stores a key pressed while it runs in that variable, and with
 *     `onKeypressGoto` stops and jumps to the step with that id.
 * A4. A step with `conditions` runs only when all of them hold; otherwise the next step runs. `eq`
 *     compares a variable with a string.
 * A5. After a transfer that was not answered (busy, no answer, failed) the flow goes on with the next step;
 *     an answered transfer bridges the call, which ends when the bridge does.
 * A6. Legs: the call's first outgoing leg whose destination is the dialed number is the callee; every
 *     other outgoing leg is a transfer. A leg with `answeredAt` was answered.
 * A7. `record: true` on the call flow given to POST /calls records the whole call.
 * A8. `ifMachine`/`machineTimeout` belong on a `say`; they are put on the first step of the call only.
 * A9. Numbers are sent as E.164 digits without the leading `+` (as MessageBird's examples write them).
 *
 * The record step (MessageBird's `record` action):
 * A12. Every `record` action that runs makes one new recording of the callee's leg, listed by
 *     GET /calls/{id}/legs/{legId}/recordings in the order they were made (`createdAt`, then list order).
 *     The whole-call recording (A7) is another one on that leg, made when the call was answered, so
 *     before any record step's. The n-th record step a call runs made the leg's n-th recording besides it.
 * A13. A `record` step with `onKeypressVar` stores the key that ended it (`finishOnKey`) in that variable,
 *     as a `say` does (A3), and the flow goes on with the next step. (`onFinish` is not used: the seed does
 *     not say what its POST carries, and the fetch after the step tells us as much.)
 * A14. MessageBird does not say why a recording ended. We take: `key` when the fetch after the step
 *     reports the end key; `hangup` when the call ended during the step; `maxLength` when the recording
 *     lasts `maxLength` seconds (its `duration`, truncated to seconds) or more; otherwise `silence`.
 * A15. With `transcribe`, MessageBird transcribes the recording by itself once it is done:
 *     GET …/recordings/{id}/transcriptions lists the transcription (nothing until it is requested); one
 *     with an `error` failed; the `.txt` of one without answers 404 until its text is ready. MessageBird's
 *     `transcribeLanguage` calls our en-GB `en-UK`.
 * A16. `record` has no beep option: a step with `beep` plays a short tone (`play`, a WAV we serve,
 *     8 kHz 16-bit as `play` requires) right before the `record` action.
 */

/** Options of the translation that come from configuration. */
export interface TranslationOptions {
  /** Base of our fetchCallFlow endpoint, e.g. https://robocall.example.com/webhooks/messagebird/call-flow */
  callFlowUrl: string;
  sipDomain?: string;
  gatherTimeoutSeconds: number;
  /** The tone a record step with `beep` plays first (A16), e.g. https://robocall.example.com/webhooks/messagebird/beep.wav */
  beepUrl: string;
}

/** Where a call is in its flow: the `seq`-th step executed, at `path`; `prompt` counts a gather's prompts (1-based). */
export interface FlowPosition {
  seq: number;
  path: StepPath;
  prompt: number;
}

/** What a fetchCallFlow request tells us about the segment that just ran. */
export interface FetchReport extends FlowPosition {
  callId: string;
  /** Gathers: the key pressed ('' = none; 'other' = a key no branch takes). */
  key?: string;
}

const KEY_VARIABLE = 'keypress';
const OTHER_KEY = 'other';
/** MessageBird's `say` voices. */
const DEFAULT_VOICE = 'female';

/**
 * Languages of MessageBird's `say` (its API reference), in the casing of its SDK, and the one a bare
 * language code of our flows (`en`) is spoken in. A code MessageBird does not offer falls back to
 * its language's entry, then to en-US.
 */
export const SAY_LANGUAGES = [
  'cy-GB', 'da-DK', 'de-DE', 'el-GR', 'en-AU', 'en-GB', 'en-GB-WLS', 'en-IN', 'en-US', 'es-ES', 'es-MX', 'es-US', 'fr-CA', 'fr-FR',
  'id-ID', 'is-IS', 'it-IT', 'ja-JP', 'ko-KR', 'ms-MY', 'nb-NO', 'nl-NL', 'pl-PL', 'pt-BR', 'pt-PT', 'ro-RO', 'ru-RU', 'sv-SE',
  'ta-IN', 'th-TH', 'tr-TR', 'vi-VN', 'zh-CN', 'zh-HK',
] as const;
export const DEFAULT_LANGUAGE = 'en-US';
export const LANGUAGE_FOR_CODE: Record<string, string> = {
  cy: 'cy-GB', da: 'da-DK', de: 'de-DE', el: 'el-GR', en: 'en-US', es: 'es-ES', fr: 'fr-FR', id: 'id-ID', is: 'is-IS', it: 'it-IT',
  ja: 'ja-JP', ko: 'ko-KR', ms: 'ms-MY', nb: 'nb-NO', no: 'nb-NO', nl: 'nl-NL', pl: 'pl-PL', pt: 'pt-PT', ro: 'ro-RO', ru: 'ru-RU',
  sv: 'sv-SE', ta: 'ta-IN', th: 'th-TH', tr: 'tr-TR', vi: 'vi-VN', zh: 'zh-CN',
};
const BY_LOWER_CASE = new Map<string, string>(SAY_LANGUAGES.map((l) => [l.toLowerCase(), l]));

/** `en` → en-US, `en-gb`/`en_GB` → en-GB, `en-ZA` → en-US, unknown → en-US. */
export function sayLanguage(language: string | undefined): string {
  if (!language) return DEFAULT_LANGUAGE;
  const code = language.replace(/_/g, '-').toLowerCase();
  return BY_LOWER_CASE.get(code) ?? LANGUAGE_FOR_CODE[code.split('-')[0]] ?? DEFAULT_LANGUAGE;
}

/** E.164 `+84917660247` → `84917660247` (A9). */
export function platformNumber(phone: string): string {
  return phone.startsWith('+') ? phone.slice(1) : phone;
}

/** A transfer destination as MessageBird takes it: digits, a SIP URI, or null when `Ext:` has no SIP domain to go to. */
export function transferDestination(destination: string, sipDomain: string | undefined): string | null {
  if (/^sips?:/i.test(destination)) return destination;
  const extension = /^Ext:(\d+)$/.exec(destination);
  if (extension) return sipDomain ? `sip:${extension[1]}@${sipDomain}` : null;
  return platformNumber(destination);
}

/** The call flow of one segment of a call: the step at `position`, ending with a fetch of the next segment. */
export function segmentAt(flow: CallFlow, messages: string[], callId: string, position: FlowPosition, options: TranslationOptions): MessageBirdCallFlow {
  const step = stepAt(flow, position.path);
  const fetch = (key?: string): MessageBirdStep => ({
    action: 'fetchCallFlow',
    options: { url: fetchUrl(options.callFlowUrl, { callId, ...position, ...(key !== undefined && { key }) }) },
  });
  switch (step.name) {
    case 'play':
      return { steps: [say(step.message, messages[step.message.messageIndex]), fetch()] };
    case 'gather':
      return { steps: gatherSteps(step, messages[step.message.messageIndex], options, fetch) };
    case 'transfer': {
      const destination = transferDestination(step.destination, options.sipDomain);
      // Nowhere to send it: the fetch reports the transfer as failed without MessageBird being asked.
      if (destination === null) return { steps: [fetch('unroutable')] };
      return { steps: [{ action: 'transfer', options: { destination } }, fetch()] };
    }
    case 'record':
      return { steps: recordSteps(step, options, fetch) };
  }
}

/** The call flow given to POST /calls: the first step's segment, with recording and machine detection (null: MessageBird's default). */
export function initialCallFlow(
  flow: CallFlow,
  messages: string[],
  callId: string,
  record: boolean,
  machine: MachineDetection | null,
  options: TranslationOptions,
): MessageBirdCallFlow {
  const segment = segmentAt(flow, messages, callId, { seq: 0, path: [0], prompt: 1 }, options);
  const first = segment.steps[0];
  if (first.action === 'say' && machine) {
    first.options = { ...first.options, ifMachine: machine.ifMachine, ...(machine.machineTimeout !== undefined && { machineTimeout: machine.machineTimeout }) };
  }
  return { title: `robocall ${callId}`, record, steps: segment.steps };
}

/** The answer to a fetch after the flow's last step. */
export const HANGUP_CALL_FLOW: MessageBirdCallFlow = { steps: [{ action: 'hangup' }] };

function say(message: VoiceMessage, text: string): MessageBirdStep {
  return { action: 'say', options: { payload: text, language: sayLanguage(message.language), voice: message.gender ?? DEFAULT_VOICE } };
}

/**
 * One prompt of a gather (A3, A4): the prompt and a silent wait both capture a key and jump to the
 * first key check; each branch digit has a conditional fetch naming it, then a catch-all for other
 * keys. Without a key, the wait ends and the fetch right after it reports no input.
 */
function gatherSteps(step: GatherStep, text: string, options: TranslationOptions, fetch: (key: string) => MessageBirdStep): MessageBirdStep[] {
  const digits = step.branches.map((b) => b.digit).filter((d): d is string => d !== undefined);
  const checks: MessageBirdStep[] = digits.map((digit) => ({
    ...fetch(digit),
    id: `key-${keyName(digit)}`,
    conditions: [{ variable: KEY_VARIABLE, operator: 'eq', value: digit }],
  }));
  const other: MessageBirdStep = { ...fetch(OTHER_KEY), id: 'key-other' };
  const target = (checks[0] ?? other).id!;
  const capture = { onKeypressVar: KEY_VARIABLE, onKeypressGoto: target };
  return [
    { id: 'prompt', ...say(step.message, text), ...capture },
    { id: 'wait', action: 'pause', options: { length: options.gatherTimeoutSeconds }, ...capture },
    { ...fetch(''), id: 'no-input' },
    ...checks,
    other,
  ];
}

/**
 * A record step (A12-A16): the tone, then `record` capturing the key that ends it, then a fetch naming
 * that key when it was the end key, else a plain one. Which recording it made, and how it ended, is read
 * afterwards (LeftMessageCollector).
 */
function recordSteps(step: RecordStep, options: TranslationOptions, fetch: (key: string) => MessageBirdStep): MessageBirdStep[] {
  const record: MessageBirdStep = {
    id: 'record',
    action: 'record',
    options: {
      maxLength: step.maxLength,
      timeout: step.timeout,
      finishOnKey: step.endKey,
      ...(step.transcribe && { transcribe: true, transcribeLanguage: transcribeLanguage(step.transcribeLocale) }),
    },
    onKeypressVar: KEY_VARIABLE,
  };
  return [
    ...(step.beep ? [{ id: 'beep', action: 'play' as const, options: { media: options.beepUrl } }] : []),
    record,
    { ...fetch(step.endKey), id: 'ended-by-key', conditions: [{ variable: KEY_VARIABLE, operator: 'eq', value: step.endKey }] },
    { ...fetch(''), id: 'ended' },
  ];
}

/** Our transcribeLocale as MessageBird's `transcribeLanguage` (A15): en-GB is en-UK; the others are spelled alike. */
export function transcribeLanguage(locale: string): string {
  return locale === 'en-GB' ? 'en-UK' : locale;
}

/**
 * The recording the `index`-th record step of a call made (0-based), among the callee leg's recordings
 * (A12): in the order they were made, without the whole-call recording when the call is recorded.
 */
export function recordStepRecording(recordings: MessageBirdRecording[], index: number, callRecorded: boolean): MessageBirdRecording | undefined {
  const ordered = recordings.map((recording, i) => ({ recording, i })).sort((a, b) => (a.recording.createdAt ?? '').localeCompare(b.recording.createdAt ?? '') || a.i - b.i);
  const own = ordered.map(({ recording }) => recording).slice(callRecorded ? 1 : 0);
  return own[index];
}

/** How a record step's recording ended (A14). */
export function recordingEndedBy(step: Pick<RecordStep, 'maxLength'>, durationSeconds: number, by: { endKey: boolean; hungUp: boolean }): RecordingEndedBy {
  if (by.hungUp) return 'hangup';
  if (by.endKey) return 'key';
  return durationSeconds >= step.maxLength ? 'maxLength' : 'silence';
}

/** Where a recording's transcription stands (A15), from the recording's transcriptions and, for one without error, its text (null: 404). */
export function transcriptionState(transcriptions: MessageBirdTranscription[], text: string | null | undefined): { status: TranscriptionStatus; text?: string } {
  const latest = transcriptions[transcriptions.length - 1];
  if (!latest) return { status: 'pending' };
  if (latest.error) return { status: 'failed' };
  if (text === null || text === undefined) return { status: 'pending' };
  return { status: 'done', text: text.trim() };
}

function keyName(digit: string): string {
  return digit === '*' ? 'star' : digit === '#' ? 'hash' : digit;
}

/** Our fetchCallFlow URL for a position (and, for gathers, the key that was pressed). */
export function fetchUrl(base: string, report: FetchReport): string {
  const query = new URLSearchParams({ callId: report.callId, seq: String(report.seq), path: report.path.join('.'), prompt: String(report.prompt) });
  if (report.key !== undefined) query.set('key', report.key);
  return `${base}?${query.toString()}`;
}

/** Reads our own parameters back from a fetchCallFlow request's query; null if they are not ours. */
export function parseFetchReport(query: Record<string, unknown>): FetchReport | null {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const callId = text('callId');
  const seq = Number(text('seq'));
  const prompt = Number(text('prompt'));
  const rawPath = text('path');
  if (!callId || !/^[0-9a-f-]{36}$/i.test(callId) || !Number.isInteger(seq) || seq < 0 || !Number.isInteger(prompt) || prompt < 1) return null;
  if (!rawPath || !/^\d+(\.\d+)*$/.test(rawPath)) return null;
  const path = rawPath.split('.').map(Number);
  if (path.length % 2 === 0) return null;
  const key = text('key');
  return { callId, seq, path, prompt, ...(key !== undefined && { key }) };
}

/** What the pressed key means to our gather logic: '' = no input; any key no branch takes is never a branch digit. */
export function pressedKey(report: FetchReport): string {
  if (!report.key) return '';
  return report.key === OTHER_KEY ? '?' : report.key;
}

/** The callee's leg of a call (A6): the earliest outgoing leg to the dialed number. */
export function calleeLeg(legs: MessageBirdLeg[], phone: string): MessageBirdLeg | undefined {
  const number = platformNumber(phone);
  const outgoing = legs.filter((leg) => leg.direction === 'outgoing');
  const sorted = [...outgoing].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  return sorted.find((leg) => platformNumber(leg.destination) === number) ?? sorted[0];
}

/** The latest leg of a transfer to `destination` (as sent to MessageBird), other than the callee's. */
export function transferLeg(legs: MessageBirdLeg[], destination: string, calleeLegId: string | undefined): MessageBirdLeg | undefined {
  const wanted = destination.toLowerCase();
  return legs
    .filter((leg) => leg.direction === 'outgoing' && leg.id !== calleeLegId && platformNumber(leg.destination).toLowerCase() === wanted)
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))[0];
}

/** How a transfer leg went (A5, A6); a leg not found or still ringing counts as not answered. */
export function transferStatusOf(leg: MessageBirdLeg | undefined): TransferStatus {
  if (!leg) return 'failed';
  if (leg.answeredAt || leg.status === 'ongoing') return 'answered';
  if (leg.status === 'busy' || leg.status === 'no_answer' || leg.status === 'failed') return leg.status;
  return 'no_answer';
}

/** The outcome of a call whose callee leg reached a final status; undefined while it has not. */
export function outcomeOfCalleeLeg(leg: MessageBirdLeg, hangupRequested: boolean): CallOutcome | undefined {
  switch (leg.status) {
    case 'busy':
    case 'no_answer':
    case 'failed':
      return leg.status;
    case 'hangup':
      if (leg.answeredAt) return 'answered';
      return hangupRequested ? 'cancelled' : 'no_answer';
    default:
      return undefined;
  }
}
