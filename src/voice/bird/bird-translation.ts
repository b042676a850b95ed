import { FlowStep, GatherStep, RecordStep, StepPath, TransferStatus, VoiceMessage } from '../../call-flow/call-flow.types';
import { MachineDetection } from '../machine-detection';
import { CallOutcome, RecordingEndedBy } from '../voice-provider';
import { BirdCallStatus, BirdCommand, BirdCommandName, BirdCommandResult, BirdWebhookBody } from './bird-api.types';

/*
 * Everything this service assumes where Bird's documentation is silent lives in this module
 * (docs/bird.md, "Assumptions", lists the same points with the page each rule leans on):
 *
 * B1. POST …/channels/{channelId}/calls answers 202 with the call object; its `id` is the call's id.
 * B2. The commands of `callFlow` run once the callee answers (flowStart defaults to from-answer); when they
 *     are done the call stays up, waiting for call commands (POST …/calls/{callId}/say|gather|record|bridge|hangup),
 *     which run in the order they arrive.
 * B3. With `notification.url`, Bird POSTs every lifecycle event of the call to that URL, signed as webhook
 *     subscriptions are, as `{service: "channels", event: "voice.outbound", payload: <the call>}`. When a command
 *     finishes, the same event carries `payload.command: {id, command, status: completed|failed, result}`;
 *     a machine detected by amdSettings carries `payload.amd: {result: human|machine|unknown}`.
 * B4. A gather's result is `result.keys` (the keys pressed; "" or absent: none). We send `retries: 0` and
 *     re-prompt ourselves, because our rules also re-prompt on a key no branch takes.
 * B5. A record's result is `result: {recordingId, duration (s), endCause}`, endCause one of key|silence|max-length|hangup.
 * B6. `transcribe: true` on a record makes Bird transcribe the recording; its transcriptions are listed at
 *     GET /workspaces/{ws}/recordings/{recordingId}/transcriptions (the documented POST path, read), status
 *     accepted → available (or failed), the text at GET /workspaces/{ws}/transcriptions/{id}.txt.
 * B7. A bridge's result is `result: {status, callId}` (the new call's final or answered status); with
 *     `hangupAfterBridge: true` an answered bridge ends the call when the bridged call ends, and Bird reports
 *     the bridge command finished before the call's `completed`. An unanswered bridge finishes and the call goes on.
 * B8. GET /workspaces/{ws}/recordings/{recordingId}.wav serves the recording as WAV, as `.mp3` is documented to.
 * B9. Numbers are E.164 with the leading `+`; `Ext:NNNN` becomes sip:NNNN@BIRD_SIP_DOMAIN.
 * B10. Error bodies are `{code, message, details?}`; 4xx is a refusal (never retried), 5xx and 429 may be retried.
 * B11. GET …/channels/{channelId}/calls/{callId} answers the call object (the path PATCH updates).
 * B12. POST …/calls/{callId}/hangup also ends an outbound call that is still starting or ringing.
 * B13. Final statuses: completed, no-answer, busy, failed (and `canceled` for a call hung up before it was answered).
 * B14. messagebird-request-timestamp is Unix time in seconds (milliseconds and ISO 8601 are read too).
 * B15. Redelivered webhooks have the same body.
 * B16. A recording's status is `accepted` (or `recording`) while Bird makes it, `available` once done, `failed` if lost;
 *      a whole-call recording (`record: true`) is listed by GET /workspaces/{ws}/recordings?id={callId} once the call ended.
 * B17. "List calls from a channel" filters by one `status` at a time; a call that is `accepted`, `starting`, `ringing` or
 *      `ongoing` holds a line (BIRD_LIVE_STATUSES).
 * B18. amdSettings `ifMachineNotifyAfter: "beep"` (our `delay`) holds the call's commands until an answering machine's
 *      greeting has ended with its beep, and reports the machine then, so the message is left on it; with `"wordCount"`
 *      (`continue`, `hangup`) the commands run from the answer and the machine is reported as soon as it is told apart
 *      (within `speechTimeout`). A person is reported as `human` without holding anything.
 */

/** B17: the statuses of a call that holds a line. */
export const BIRD_LIVE_STATUSES = ['accepted', 'starting', 'ringing', 'ongoing'] as const;

/** Options of the translation that come from configuration. */
export interface BirdTranslationOptions {
  sipDomain?: string;
  gatherTimeoutSeconds: number;
  ringTimeoutSeconds: number;
}

/** Where a call is in its flow: the `seq`-th step executed, at `path`; `prompt` counts a gather's prompts (1-based). */
export interface FlowPosition {
  seq: number;
  path: StepPath;
  prompt: number;
}

/** Locales of Bird's `say` (Say Text-To-Speech page). */
export const SAY_LOCALES = [
  'arb', 'ar-AE', 'bg-BG', 'bn-IN', 'ca-ES', 'cs-CZ', 'cy-GB', 'cmn-CN', 'da-DK', 'de-CH', 'de-DE', 'de-AT', 'el-GR', 'en-AU', 'en-GB',
  'en-IN', 'en-NZ', 'en-ZA', 'en-US', 'en-GB-WLS', 'es-ES', 'es-MX', 'es-US', 'eu-ES', 'fi-FI', 'fil-PH', 'fr-FR', 'fr-BE', 'fr-CA',
  'gl-ES', 'gu-IN', 'he-IL', 'hi-IN', 'hu-HU', 'id-ID', 'is-IS', 'it-IT', 'ja-JP', 'ko-KR', 'lt-LT', 'lv-LV', 'ms-MY', 'nl-BE',
  'nl-NL', 'nb-NO', 'pa-IN', 'pl-PL', 'pt-BR', 'pt-PT', 'ro-RO', 'ru-RU', 'sk-SK', 'sr-RS', 'sv-SE', 'ta-IN', 'te-IN', 'tr-TR',
  'th-TH', 'uk-UA', 'vi-VN', 'yue-CN',
] as const;
export const DEFAULT_LOCALE = 'en-US';
/** Our language codes that are not a Bird locale as written, and the locale they are spoken in (docs/bird.md table). */
export const LOCALE_FOR_CODE: Record<string, string> = {
  ar: 'arb', bg: 'bg-BG', bn: 'bn-IN', ca: 'ca-ES', cs: 'cs-CZ', cy: 'cy-GB', da: 'da-DK', de: 'de-DE', el: 'el-GR', en: 'en-US',
  es: 'es-ES', eu: 'eu-ES', fi: 'fi-FI', fil: 'fil-PH', fr: 'fr-FR', gl: 'gl-ES', gu: 'gu-IN', he: 'he-IL', hi: 'hi-IN', hu: 'hu-HU',
  id: 'id-ID', is: 'is-IS', it: 'it-IT', ja: 'ja-JP', ko: 'ko-KR', lt: 'lt-LT', lv: 'lv-LV', ms: 'ms-MY', nb: 'nb-NO', no: 'nb-NO',
  nl: 'nl-NL', pa: 'pa-IN', pl: 'pl-PL', pt: 'pt-PT', ro: 'ro-RO', ru: 'ru-RU', sk: 'sk-SK', sr: 'sr-RS', sv: 'sv-SE', ta: 'ta-IN',
  te: 'te-IN', th: 'th-TH', tr: 'tr-TR', uk: 'uk-UA', vi: 'vi-VN', zh: 'cmn-CN', 'zh-cn': 'cmn-CN', 'zh-hk': 'yue-CN', yue: 'yue-CN',
};
const BY_LOWER_CASE = new Map<string, string>(SAY_LOCALES.map((l) => [l.toLowerCase(), l]));

/** `en` → en-US, `en_gb` → en-GB, `zh` → cmn-CN, `en-IE` → en-US (its language's entry), unknown → en-US. */
export function sayLocale(language: string | undefined): string {
  if (!language) return DEFAULT_LOCALE;
  const code = language.replace(/_/g, '-').toLowerCase();
  return BY_LOWER_CASE.get(code) ?? LOCALE_FOR_CODE[code] ?? LOCALE_FOR_CODE[code.split('-')[0]] ?? DEFAULT_LOCALE;
}

/** A transfer destination as Bird's bridge takes it (B9): E.164, a SIP URI, or null when `Ext:` has no SIP domain. */
export function bridgeDestination(destination: string, sipDomain: string | undefined): string | null {
  if (/^sips?:/i.test(destination)) return destination;
  const extension = /^Ext:(\d+)$/.exec(destination);
  if (extension) return sipDomain ? `sip:${extension[1]}@${sipDomain}` : null;
  return destination.startsWith('+') ? destination : `+${destination}`;
}

function say(message: VoiceMessage, text: string): Record<string, unknown> {
  return { text, locale: sayLocale(message.language), voice: message.gender ?? 'female' };
}

/** The command that runs `step`, or null when Bird cannot be asked to (a transfer with nowhere to go: it fails at once). */
export function commandFor(step: FlowStep, messages: string[], caller: string, options: BirdTranslationOptions): BirdCommand | null {
  switch (step.name) {
    case 'play':
      return { command: 'say', options: say(step.message, messages[step.message.messageIndex]) };
    case 'gather':
      return { command: 'gather', options: gatherOptions(step, messages, options) };
    case 'record':
      return { command: 'record', options: recordOptions(step) };
    case 'transfer': {
      const to = bridgeDestination(step.destination, options.sipDomain);
      if (to === null) return null;
      return { command: 'bridge', options: { to, from: caller, ringTimeout: options.ringTimeoutSeconds, hangupAfterBridge: true } };
    }
  }
}

function gatherOptions(step: GatherStep, messages: string[], options: BirdTranslationOptions): Record<string, unknown> {
  return { maxNumKeys: 1, timeout: options.gatherTimeoutSeconds, retries: 0, input: 'dtmf', say: say(step.message, messages[step.message.messageIndex]) };
}

function recordOptions(step: RecordStep): Record<string, unknown> {
  return {
    maxLength: step.maxLength,
    timeout: step.timeout,
    endKey: step.endKey,
    beep: step.beep,
    transcribe: step.transcribe,
    ...(step.transcribe && { transcribeLocale: step.transcribeLocale }),
  };
}

/** The command name a step's command finishes as (B3). */
export function commandNameOf(step: FlowStep): BirdCommandName {
  return ({ play: 'say', gather: 'gather', record: 'record', transfer: 'bridge' } as const)[step.name];
}

/**
 * `amdSettings` of a placement from the campaign's machine detection (null: none asked, AMD off). `delay` relies on
 * B18 (Bird holds the commands until the beep); `hangup` is ours to do when the machine is reported (BirdTrackedCall).
 */
export function amdSettings(machine: MachineDetection | null): Record<string, unknown> | undefined {
  if (!machine) return undefined;
  return {
    enabled: true,
    // `delay` waits for the machine's greeting to end (its beep) before the flow goes on; the others are told at once.
    ifMachineNotifyAfter: machine.ifMachine === 'delay' ? 'beep' : 'wordCount',
    ...(machine.machineTimeout !== undefined && { speechTimeout: Math.max(1, Math.round(machine.machineTimeout / 1000)) }),
  };
}

export function isFinalStatus(status: BirdCallStatus | undefined): boolean {
  return status === 'completed' || status === 'no-answer' || status === 'busy' || status === 'failed' || status === 'canceled';
}

/** The outcome of a call that reached a final status (B13). */
export function outcomeOf(status: BirdCallStatus, answered: boolean, hangupRequested: boolean): CallOutcome {
  if (answered) return 'answered';
  if (status === 'busy') return 'busy';
  if (status === 'no-answer') return hangupRequested ? 'cancelled' : 'no_answer';
  if (status === 'failed') return 'failed';
  return hangupRequested ? 'cancelled' : 'failed';
}

/** What a bridge's result says of the transfer (B7). */
export function transferStatusOf(result: BirdCommandResult | undefined): TransferStatus {
  switch (result?.status) {
    case 'ongoing':
    case 'completed':
      return 'answered';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    default:
      return 'failed';
  }
}

/** How a recording ended, from a record's `endCause` (B5). */
export function recordingEndedBy(endCause: string | undefined): RecordingEndedBy {
  const cause = (endCause ?? '').toLowerCase().replace(/[_\s]/g, '-');
  if (cause === 'key' || cause === 'endkey' || cause === 'end-key' || cause === 'dtmf') return 'key';
  if (cause === 'silence' || cause === 'timeout') return 'silence';
  if (cause === 'max-length' || cause === 'maxlength') return 'maxLength';
  return 'hangup';
}

/** A recording's status in our terms (B16). */
export function recordingStatus(status: string): 'recording' | 'done' | 'failed' {
  if (status === 'available' || status === 'completed' || status === 'done') return 'done';
  if (status === 'failed' || status === 'error' || status === 'deleted') return 'failed';
  return 'recording';
}

/** A transcription's status (B6): done, failed, or still pending. */
export function transcriptionState(status: string): 'done' | 'failed' | 'pending' {
  if (status === 'available' || status === 'completed' || status === 'done') return 'done';
  if (status === 'failed' || status === 'error') return 'failed';
  return 'pending';
}

/** Reads a webhook body (B3); null when it is not a call event. */
export function parseWebhookBody(body: unknown): BirdWebhookBody | null {
  const payload = (body as { payload?: unknown } | null)?.payload as BirdWebhookBody['payload'] | undefined;
  if (!payload || typeof payload !== 'object' || typeof payload.id !== 'string' || typeof payload.status !== 'string') return null;
  return body as BirdWebhookBody;
}
