/**
 * The call flow as the builder edits it: the API's own JSON shape (README "Call flows"), kept as plain objects so
 * that the JSON view and the tree edit the same document. Nothing here validates a flow: the API does (the
 * builder shows its 400 field errors where they belong), so a half-typed value is kept as typed and sent as is.
 */

export type StepKind = 'play' | 'gather' | 'transfer' | 'record';
export const STEP_KINDS: StepKind[] = ['play', 'gather', 'transfer', 'record'];

export interface MessageJson {
  msg: string;
  language?: string;
  /** The contract's example writes `lang`; a loaded flow keeps the name it had. */
  lang?: string;
  gender?: string;
  pitch?: number | string;
  rate?: number | string;
}

export interface BranchJson {
  digit?: string;
  default?: boolean | string;
  optOut?: boolean | string;
  callFlow: FlowJson;
}

export interface StepJson {
  name: StepKind | string;
  message?: MessageJson;
  maxRetries?: number | string;
  branches?: BranchJson[];
  destination?: string;
  maxLength?: number | string;
  timeout?: number | string;
  endKey?: string;
  beep?: boolean | string;
  transcribe?: boolean | string;
  transcribeLocale?: string;
  [field: string]: unknown;
}

export interface FlowJson {
  steps: StepJson[];
}

/** Record step defaults as the API applies them (README "Record"); shown as placeholders, sent only when changed. */
export const RECORD_DEFAULTS = { maxLength: 60, timeout: 5, endKey: '#', beep: true, transcribe: false, transcribeLocale: 'en-US' } as const;

/** The `transcribeLocale` values the API accepts (Bird's "Record a call" command), offered in a list. */
export const TRANSCRIBE_LOCALES = [
  'ar-AE', 'ar-SA', 'zh-CN', 'zh-TW', 'da-DK', 'nl-NL', 'en-AU', 'en-GB', 'en-IN', 'en-IE', 'en-NZ', 'en-AB', 'en-ZA', 'en-US',
  'en-WL', 'fr-FR', 'fr-CA', 'fa-IR', 'de-DE', 'de-CH', 'he-IL', 'hi-IN', 'id-ID', 'it-IT', 'ja-JP', 'ko-KR', 'ms-MY', 'pt-PT',
  'pt-BR', 'ru-RU', 'es-ES', 'es-US', 'sv-SE', 'ta-IN', 'te-IN', 'th-TH', 'tr-TR', 'vi-VN',
];

export function newStep(kind: StepKind): StepJson {
  switch (kind) {
    case 'play':
      return { name: 'play', message: { msg: '' } };
    case 'gather':
      return { name: 'gather', message: { msg: '' }, branches: [{ digit: '1', callFlow: { steps: [] } }] };
    case 'transfer':
      return { name: 'transfer', destination: '' };
    case 'record':
      return { name: 'record' };
  }
}

/** A branch for the next digit no other branch of the gather uses. */
export function newBranch(existing: BranchJson[]): BranchJson {
  const used = new Set(existing.map((branch) => branch.digit));
  const digit = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'].find((d) => !used.has(d));
  return { ...(digit !== undefined && { digit }), callFlow: { steps: [] } };
}

/** `steps[1].branches[0].callFlow.steps[2]` → the step object, or undefined. */
export function resolve(flow: FlowJson, path: string): unknown {
  let node: unknown = flow;
  for (const segment of pathSegments(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** `steps[1].branches[0].callFlow` → ['steps', 1, 'branches', 0, 'callFlow']. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
  }
  return segments;
}

function segmentsToPath(segments: (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * An API error's field path, relative to the flow, in the builder's own form: `callFlow.steps[1].branches[0].callFlow.steps[0].message.msg`,
 * `callFlow.steps[1].branches.0.steps[0].message.msg` (a branch's flow left implicit) and `steps[1]…` all give
 * `steps[1].branches[0].callFlow.steps[0].message.msg`. Null for a field outside the flow (`properties`, `keys`, `title`).
 */
export function flowRelativePath(field: string): string | null {
  let segments = pathSegments(field);
  if (segments[0] === 'callFlow') segments = segments.slice(1);
  if (segments[0] !== 'steps') return segments.length === 0 && field.startsWith('callFlow') ? '' : null;
  const out: (string | number)[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    out.push(segment);
    // A branch index followed straight by `steps`: the branch's callFlow was left out of the path.
    if (typeof segment === 'number' && segments[i - 1] === 'branches' && segments[i + 1] === 'steps') out.push('callFlow');
  }
  return segmentsToPath(out);
}

/** The property names a template reads: `{{name}}`, `{{[Due Date]}}`, `{{lookup this "Due Date"}}`, block arguments. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(/\{\{~?\s*([#^/]?)\s*([^}]*?)\s*~?\}\}/g)) {
    const [, sigil, body] = match;
    if (sigil === '/' || body.startsWith('!') || body.startsWith('>') || body === 'else') continue;
    const lookup = /^lookup\s+(?:this|@root)\s+"([^"]+)"/.exec(body);
    if (lookup) {
      names.add(lookup[1]);
      continue;
    }
    const words = body.match(/\[[^\]]*\]|"[^"]*"|\S+/g) ?? [];
    const candidate = sigil === '#' ? words[1] : words[0];
    if (!candidate || candidate.startsWith('@') || candidate === 'this' || candidate === 'else') continue;
    const bracketed = /^\[(.+)\]$/.exec(candidate);
    names.add(bracketed ? bracketed[1] : candidate);
  }
  return [...names];
}

/** Every message template of a flow, in pre-order (as the API numbers them). */
export function messagesOf(flow: FlowJson): string[] {
  const out: string[] = [];
  const walk = (f: FlowJson | undefined) => {
    for (const step of f?.steps ?? []) {
      if (typeof step?.message?.msg === 'string') out.push(step.message.msg);
      for (const branch of Array.isArray(step?.branches) ? step.branches : []) walk(branch?.callFlow);
    }
  };
  walk(flow);
  return out;
}

/** How a placeholder is written in a message for a property name (a name with spaces needs brackets). */
export function placeholderFor(name: string): string {
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name) ? `{{${name}}}` : `{{[${name}]}}`;
}

/** The camelCase key the API adds for a CSV header (`Due Date` → `dueDate`, `DUE_DATE` → `dueDate`), as the server's camelCaseKey. */
export function camelCaseKey(header: string): string {
  const words = header.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
  const allCaps = (word: string) => word === word.toUpperCase() && word !== word.toLowerCase();
  return words
    .map((word, i) => {
      if (i === 0) return allCaps(word) ? word.toLowerCase() : word.charAt(0).toLowerCase() + word.slice(1);
      return word.charAt(0).toUpperCase() + (allCaps(word) ? word.slice(1).toLowerCase() : word.slice(1));
    })
    .join('');
}

const PHONE_COLUMNS = ['phone', 'phone_number', 'msisdn', 'number'];

/** The properties a CSV row gives, as the upload does: each column under its header and its camelCase form; phone and caller are not properties. */
export function rowProperties(header: string[], row: string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  header.forEach((raw, i) => {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (name === '' || PHONE_COLUMNS.includes(lower) || lower === 'caller') return;
    const value = (row[i] ?? '').trim();
    if (value === '') return;
    properties[name] = value;
    const camel = camelCaseKey(name);
    if (camel && camel !== name) properties[camel] = value;
  });
  return properties;
}

/**
 * The header and the first `maxRows` rows of a CSV text (the start of a file: a last, cut-off row is dropped):
 * `,`, `;` or tab, whichever the header line has most of; quoted fields with `""`; CRLF, LF or CR; blank lines skipped.
 */
export function parseCsvHead(text: string, maxRows = 5, complete = false): { header: string[]; rows: string[][] } {
  const source = text.replace(/^\ufeff/, '');
  const firstLine = source.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const counts: [string, number][] = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1]);
  const delimiter = counts.sort((a, b) => b[1] - a[1])[0][1] > 0 ? counts[0][0] : ',';
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    if (record.length > 1 || record[0].trim() !== '') records.push(record);
    record = [];
  };
  while (i < source.length && records.length <= maxRows) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      endRecord();
      if (c === '\r' && source[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  // The text ended mid-record: a whole file's last line counts, a cut-off one does not.
  if (complete && records.length <= maxRows && (field !== '' || record.length > 0)) endRecord();
  const [header = [], ...rows] = records;
  return { header: header.map((name) => name.trim()), rows: rows.slice(0, maxRows) };
}

/** The path of the steps list a step path sits in, and its index: `steps[1].branches[0].callFlow.steps[2]` → [`steps[1].branches[0].callFlow`, 2]. */
export function parentOf(stepPath: string): { listOwner: string; index: number } {
  const match = /^(.*?)\.?steps\[(\d+)\]$/.exec(stepPath);
  if (!match) throw new Error(`not a step path: ${stepPath}`);
  return { listOwner: match[1], index: Number(match[2]) };
}

/** The steps array a flow path designates ('' is the top-level flow). */
export function stepsAt(flow: FlowJson, owner: string): StepJson[] {
  const target = owner === '' ? flow : (resolve(flow, owner) as FlowJson | undefined);
  if (!target) throw new Error(`no flow at ${owner}`);
  if (!Array.isArray(target.steps)) target.steps = [];
  return target.steps;
}

/** Sets (or, for undefined / '', deletes) a field of the object at `path`. */
export function setField(flow: FlowJson, path: string, value: unknown): void {
  const segments = pathSegments(path);
  const last = segments.pop()!;
  let node = flow as unknown as Record<string | number, unknown>;
  for (const segment of segments) {
    if (node[segment] === undefined || node[segment] === null || typeof node[segment] !== 'object') node[segment] = {};
    node = node[segment] as Record<string | number, unknown>;
  }
  if (value === undefined || value === '') delete node[last];
  else node[last] = value;
}

/** A number input's text: an integer when it is one, else the text as typed (the API names the field). */
export function numberOrText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** A flag as the API reads it: true or "true" (the contract's example sends strings). */
export function isTruthy(value: unknown): boolean {
  return value === true || value === 'true';
}
