import { CallFlow, GatherStep, StepPath, TransferStatus, VoiceMessage } from '../../call-flow/call-flow.types';
import { stepAt } from '../../call-flow/flow-interpreter';
import { MachineDetection } from '../machine-detection';
import { CallOutcome } from '../voice-provider';
import { MessageBirdCallFlow, MessageBirdLeg, MessageBirdStep } from './messagebird-api.types';

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
 */

/** Options of the translation that come from configuration. */
export interface TranslationOptions {
  /** Base of our fetchCallFlow endpoint, e.g. https://robocall.example.com/webhooks/messagebird/call-flow */
  callFlowUrl: string;
  sipDomain?: string;
  gatherTimeoutSeconds: number;
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
      throw new Error('TODO(helper): record steps on MessageBird classic');
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
