/**
 * A deterministic corpus of hostile requests for POST /call, POST /call?dryRun=true and POST /call/csv,
 * built from mutations of the contract's seed example (docs/seed-example.json).
 *
 * Every case says what the contract (README "The API", "Call flows", "CSV upload") makes of it, worked
 * out from the mutation itself, never from what the service answered:
 * - `refused`: a 4xx (the given statuses), in the error shape, nothing stored;
 * - `accepted`: the mutation leaves a valid request (an optional field removed, an unknown key added, a
 *   placeholder value of another type, a template that is valid Handlebars), so 200 and stored;
 * - `previewed`: a dry run whose only problems are per destination: 200, `rejected` destinations.
 */
import { SEED_EXAMPLE } from './seed-example';
import { seededRandom } from '../../bench/support/stats';

export type Target = 'call' | 'dryRun' | 'csv';

export type Expectation =
  /** `fields`: error paths of which at least one must be named (exactly, or as an ancestor of the path). */
  | { outcome: 'refused'; statuses: number[]; fields?: string[]; errorsListed?: boolean }
  | { outcome: 'accepted' }
  | { outcome: 'previewed'; rejected: number };

export interface HostileCase {
  id: number;
  kind: string;
  note: string;
  target: Target;
  /** Set for cases whose body carries a known requestId (every accepted one has its own). */
  requestId?: string;
  body: Buffer;
  /** Content-Type header; undefined: none is sent. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Query string (without `?`); dry runs get `dryRun=true`. */
  query?: string;
  expect: Expectation;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** A copy that keeps own `__proto__` / `constructor` keys as plain data keys (JSON round trip). */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

export const pathText = (path: Path): string =>
  path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');

function getAt(root: Json, path: Path): Json | undefined {
  let node: any = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Sets (or with `remove`, deletes) the value at `path` without going through any `__proto__` setter. */
function setAt(root: Json, path: Path, value: Json | undefined, remove = false): void {
  const parent = getAt(root, path.slice(0, -1)) as any;
  const key = path[path.length - 1];
  if (remove) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return;
  }
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every path of the seed below the root (objects and arrays included), depth first. */
function allPaths(node: Json, prefix: Path = []): Path[] {
  if (node === null || typeof node !== 'object') return [];
  const out: Path[] = [];
  const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    const path = [...prefix, key];
    out.push(path, ...allPaths(value, path));
  }
  return out;
}

type FieldClass =
  | 'requestId' | 'destinations' | 'destination' | 'phone' | 'properties' | 'property' | 'enableCallRecording'
  | 'callFlow' | 'steps' | 'step' | 'stepName' | 'message' | 'msg' | 'lang' | 'gender'
  | 'branches' | 'branch' | 'digit' | 'default' | 'transferDestination';

const PLACEHOLDERS = new Set(['name', 'amount', 'dueDate']);

function classify(path: Path): FieldClass {
  const key = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 1) {
    if (key === 'requestId' || key === 'destinations' || key === 'enableCallRecording' || key === 'callFlow') return key;
  }
  if (path[0] === 'destinations') {
    if (path.length === 2) return 'destination';
    if (path.length === 3) return key === 'properties' ? 'properties' : 'phone';
    return 'property';
  }
  if (key === 'callFlow') return 'callFlow';
  if (key === 'steps') return 'steps';
  if (parent === 'steps') return 'step';
  if (parent === 'branches') return 'branch';
  if (key === 'branches') return 'branches';
  if (key === 'message') return 'message';
  if (parent === 'message') return key === 'msg' ? 'msg' : key === 'lang' ? 'lang' : 'gender';
  if (key === 'name') return 'stepName';
  if (key === 'digit') return 'digit';
  if (key === 'default') return 'default';
  if (key === 'destination') return 'transferDestination';
  throw new Error(`unclassified seed path ${pathText(path)}`);
}

const LONG = (n: number, unit = 'x') => unit.repeat(n);

/**
 * Values of the wrong type (or outside the allowed values) for each field, each one refused by the
 * contract. Values the contract accepts in place of the seed's (`"true"` for a boolean, a number for
 * a digit, a null for an optional field) are left out on purpose.
 */
const WRONG: Record<FieldClass, Json[]> = {
  requestId: [null, 42, 0, true, false, [], {}, ['request_10'], { id: 'request_10' }, '', LONG(201)],
  destinations: [null, 42, 'x', true, {}, [], { length: 2 }, { 0: { phone: '+84917660247' } }],
  destination: [null, 42, 'x', true, [], ['+84917660247', '+6582674904'], ''],
  phone: [
    null, 42, 84917660247, true, [], {}, ['+84917660247'], '', 'abc', '+0123456', '+1234567890123456', '0917-660-247', '+84 917 660 247',
    '+\uff18\uff14\uff19\uff11\uff17\uff16\uff16\uff10\uff12\uff14\uff17', '+84917660247\n', ' +84917660247', '+84917660247x', '+\u0668\u0664\u0669\u0661\u0667', '++84917660247',
  ],
  properties: [42, 'x', true, [], ['Alex'], null, ''],
  property: [null],
  enableCallRecording: [42, 0, 1, 'yes', 'TRUE', '', [], {}, [true]],
  callFlow: [null, 42, 'x', true, [], {}, { steps: {} }, { steps: 'play' }],
  steps: [null, 42, 'x', true, {}, { 0: { name: 'play' } }],
  step: [null, 42, 'x', true, [], {}],
  stepName: [null, 42, true, '', 'PLAY', 'Play', ' play', 'dial', 'hangup', [], {}, ['play']],
  message: [null, 42, 'x', true, [], {}, { msg: null }],
  msg: [null, 42, true, '', '   ', '\n\t', [], {}, ['thanks'], LONG(1001)],
  lang: [42, true, '', 'e', 'english', 'en-', 'en_', 'en-GB-x-private', [], {}, ['en']],
  gender: [null, 42, true, '', 'MALE', 'other', [], {}],
  branches: [null, 42, 'x', true, {}, []],
  branch: [null, 42, 'x', true, [], {}],
  digit: [42, 10, -1, 1.5, true, false, '12', 'a', ' 1', '1 ', [], {}, ['1']],
  default: [42, 0, 1, 'yes', 'TRUE', '', [], {}],
  transferDestination: [null, 42, 6591991191, true, '', '12ab', 'Ext:', 'Ext:abc', 'sip:', 'sip:a b@c', 'tel:+6591991191', [], {}],
};

/**
 * Placeholder values of other types. Numbers and booleans are spoken as written, and an empty text still leaves
 * the seed's messages something to say: valid. An object or an array would be "[object Object]": refused by the
 * property's path (issue 14).
 */
const OTHER_TYPED_PLACEHOLDER_VALUES: Json[] = [42, 0, -1.5e300, true, false, '', [], ['a', 'b'], {}, { nested: { deep: 1 } }];
const isSpeakable = (value: Json): boolean => value !== null && typeof value !== 'object';

/**
 * Whether removing the field leaves a valid request. Removing a destination or a step leaves one
 * of two (valid); a digit may go when its branch is the default, and `default` when the branch has a digit.
 */
function removalIsValid(seed: Json, path: Path): boolean {
  const cls = classify(path);
  const branch = () => getAt(seed, path.slice(0, -1)) as Record<string, Json>;
  switch (cls) {
    case 'enableCallRecording':
    case 'lang':
    case 'gender':
      return true;
    case 'destination':
      return true;
    case 'step':
      // The top-level flow keeps one step; a branch keeps none, which is valid too (the call ends).
      return true;
    case 'branch':
      // A gather keeps its other branch (a gather without a default branch is valid); the only one may not go.
      return (getAt(seed, path.slice(0, -1)) as Json[]).length > 1;
    case 'callFlow':
      return path.length > 1; // a branch without a flow ends the call
    case 'digit':
      return branch().default === true || branch().default === 'true';
    case 'default':
      return branch().digit !== undefined;
    default:
      return false;
  }
}

/** Which field a refusal names for a mutation at `path` (the path itself or one of its ancestors). */
function refusalField(path: Path): string {
  const cls = classify(path);
  if (cls === 'property') return pathText(path.slice(0, 3)); // destinations[i].properties
  return pathText(path);
}

const DESTINATION_LEVEL = (path: Path) => path[0] === 'destinations' && path.length >= 2;

/** The seed with a requestId of its own. */
function base(requestId: string): Record<string, Json> {
  const body = clone(SEED_EXAMPLE) as Record<string, Json>;
  body.requestId = requestId;
  return body;
}

export interface Corpus {
  cases: HostileCase[];
}

interface Mutation {
  kind: string;
  note: string;
  path: Path;
  apply(body: Json): void;
  /** The request stays valid. */
  valid: boolean;
  /** The field a refusal names, when it is not the one refusalField works out from `path`. */
  field?: string;
  /** For a message: refused when the flow is compiled, or when rendered for every destination (see HANDLEBARS_TRICKS). */
  verdict?: 'compile' | 'render' | 'ok';
}

/** Single mutations of the seed: wrong types and removals at every path, and placeholder values of other types. */
function singleMutations(seed: Json): Mutation[] {
  const out: Mutation[] = [];
  for (const path of allPaths(seed)) {
    const cls = classify(path);
    for (const value of WRONG[cls]) {
      out.push({ kind: 'wrong-type', note: `${pathText(path)} = ${JSON.stringify(value).slice(0, 40)}`, path, valid: false, apply: (b) => setAt(b, path, clone(value)) });
    }
    out.push({ kind: 'removed-field', note: `without ${pathText(path)}`, path, valid: removalIsValid(seed, path), apply: (b) => setAt(b, path, undefined, true) });
    if (cls === 'property' && PLACEHOLDERS.has(path[3] as string)) {
      for (const value of OTHER_TYPED_PLACEHOLDER_VALUES) {
        const valid = isSpeakable(value);
        out.push({ kind: 'other-typed-placeholder', note: `${pathText(path)} = ${JSON.stringify(value)}`, path, valid, field: pathText(path), apply: (b) => setAt(b, path, clone(value)) });
      }
    }
  }
  return out;
}

/** Huge strings in every string field: all over a field limit (or, in an unused property, merely large). */
function hugeStrings(seed: Json): Mutation[] {
  const out: Mutation[] = [];
  const sizes = [1_001, 10_000, 100_000, 1_000_000];
  for (const path of allPaths(seed)) {
    if (typeof getAt(seed, path) !== 'string') continue;
    const cls = classify(path);
    for (const size of sizes) {
      // A huge digit, default, lang or gender is as wrong as a short one; a huge placeholder value renders past 1000 characters.
      const value = cls === 'phone' || cls === 'transferDestination' ? `+${LONG(size, '9')}` : LONG(size, 'ü');
      out.push({ kind: 'huge-string', note: `${pathText(path)}: ${size} characters`, path, valid: false, apply: (b) => setAt(b, path, value) });
    }
  }
  return out;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const PROTO_VALUES: Json[] = [
  { polluted: 'yes' },
  { toString: 'x', valueOf: 'x', hasOwnProperty: 'x' },
  { constructor: { prototype: { polluted: 'yes' } } },
  { requestId: 42, destinations: 'x', callFlow: 'x' },
  'x',
  42,
  null,
  [],
];
/**
 * Objects of the seed where an unknown key used to be dropped. Since issue 14 every one is refused by its path:
 * an unknown field (top level, destination, flow, step, message, branch) or a reserved property name.
 */
const PROTO_PLACES: Path[] = [
  [],
  ['destinations', 0],
  ['destinations', 0, 'properties'],
  ['destinations', 1, 'properties'],
  ['callFlow'],
  ['callFlow', 'steps', 0],
  ['callFlow', 'steps', 0, 'message'],
  ['callFlow', 'steps', 1, 'branches', 0],
  ['callFlow', 'steps', 1, 'branches', 0, 'callFlow'],
];

function protoKeys(): Mutation[] {
  const out: Mutation[] = [];
  for (const place of PROTO_PLACES) {
    for (const key of PROTO_KEYS) {
      for (const value of PROTO_VALUES) {
        const path = [...place, key];
        out.push({ kind: 'proto-key', note: `${pathText(path) || key} = ${JSON.stringify(value)}`, path, valid: false, field: pathText(path), apply: (b) => setAt(b, path, clone(value)) });
      }
    }
  }
  return out;
}

/**
 * Handlebars tricks for one message. `compile`: refused when the flow is checked (a 400 even in a dry
 * run); `render`: refused for every destination (a dry run rejects them all); `ok`: valid, spoken as
 * rendered. The reasons are the README's (issue 14): only the blocks if, unless, each and with (over a
 * property, never a literal) and `lookup` over the destination's own properties exist, so any other
 * helper, a partial, a decorator or a raw block is refused when compiled; `__proto__`, `constructor` and
 * `prototype` can never be property names, wherever they are written; values are text, numbers or
 * booleans, so a dotted path is refused; a name alone (`{{lookup}}`, `{{log}}`) is a property, missing
 * when the destination does not have it.
 */
export const HANDLEBARS_TRICKS: { msg: string; verdict: 'compile' | 'render' | 'ok' }[] = [
  { msg: 'Hi {{#with "constructor"}}{{name}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#with "constructor"}}{{this}}{{/with}}', verdict: 'compile' },
  { msg: '{{#with "constructor"}}{{#with split as |a|}}{{pop (push "x")}}{{/with}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#with constructor}}{{name}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#with __proto__}}{{polluted}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{constructor}}', verdict: 'compile' },
  { msg: 'Hi {{__proto__}}', verdict: 'compile' },
  { msg: 'Hi {{prototype}}', verdict: 'compile' },
  { msg: 'Hi {{toString}}', verdict: 'render' },
  { msg: 'Hi {{hasOwnProperty}}', verdict: 'render' },
  { msg: 'Hi {{valueOf}}', verdict: 'render' },
  { msg: 'Hi {{__defineGetter__}}', verdict: 'render' },
  { msg: 'Hi {{constructor.name}}', verdict: 'compile' },
  { msg: 'Hi {{constructor.constructor}}', verdict: 'compile' },
  { msg: 'Hi {{__proto__.constructor.name}}', verdict: 'compile' },
  { msg: 'Hi {{this.constructor}}', verdict: 'compile' },
  { msg: 'Hi {{[constructor]}}', verdict: 'compile' },
  { msg: 'Hi {{[__proto__]}}', verdict: 'compile' },
  { msg: 'Hi {{#if constructor}}yes{{/if}}', verdict: 'compile' },
  { msg: 'Hi {{#unless __proto__}}no{{/unless}}', verdict: 'compile' },
  { msg: 'Hi {{#each constructor}}x{{/each}}', verdict: 'compile' },
  { msg: 'Hi {{@root.constructor}}', verdict: 'compile' },
  { msg: 'Hi {{@root.__proto__}}', verdict: 'compile' },
  { msg: 'Hi {{#with this}}{{constructor}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#if name}}{{constructor}}{{/if}}', verdict: 'compile' },
  { msg: 'Hi {{lookup this "constructor"}}', verdict: 'compile' },
  { msg: 'Hi {{lookup this "name"}}', verdict: 'ok' },
  { msg: 'Hi {{lookup this "nosuch"}}', verdict: 'render' },
  { msg: 'Hi {{lookup @root "amount"}}', verdict: 'ok' },
  { msg: 'Hi {{lookup name "length"}}', verdict: 'render' },
  { msg: 'Hi {{lookup this}}', verdict: 'compile' },
  { msg: 'Hi {{lookup (lookup this "constructor") "name"}}', verdict: 'compile' },
  { msg: 'Hi {{lookup (lookup (lookup this "constructor") "prototype") "polluted"}}', verdict: 'compile' },
  { msg: 'Hi {{#with (lookup this "constructor")}}{{name}}{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#with (lookup this "name")}}{{this}}{{/with}}', verdict: 'ok' },
  { msg: 'Hi {{lookup}}', verdict: 'render' },
  { msg: 'Hi {{log "x"}}', verdict: 'compile' },
  { msg: 'Hi {{log}}', verdict: 'render' },
  { msg: 'Hi {{if}}', verdict: 'render' },
  { msg: 'Hi {{if name}}', verdict: 'compile' },
  { msg: 'Hi {{> x}}', verdict: 'compile' },
  { msg: 'Hi {{> (lookup . "name")}}', verdict: 'compile' },
  { msg: 'Hi {{#> layout}}x{{/layout}}', verdict: 'compile' },
  { msg: 'Hi {{#*inline "x"}}y{{/inline}}{{> x}}', verdict: 'compile' },
  { msg: 'Hi {{#each name}}{{this}}{{/each}} there', verdict: 'ok' },
  { msg: 'Hi {{#each this}}{{@key}} {{/each}}', verdict: 'ok' },
  { msg: 'Hi {{#each this as |v k|}}{{k}}={{v}} {{/each}}', verdict: 'ok' },
  { msg: 'Hi {{#each 42}}x{{/each}} there', verdict: 'compile' },
  { msg: 'Hi {{#each "constructor"}}{{this}}{{/each}} there', verdict: 'compile' },
  { msg: 'Hi {{#each}}x{{/each}}', verdict: 'compile' },
  { msg: 'Hi {{#with}}x{{/with}}', verdict: 'compile' },
  { msg: 'Hi {{#if}}x{{/if}}', verdict: 'compile' },
  { msg: 'Hi {{#if name amount}}x{{/if}}', verdict: 'compile' },
  { msg: 'Hi {{#if name key="x"}}x{{/if}}', verdict: 'compile' },
  { msg: 'Hi {{{name}}}', verdict: 'ok' },
  { msg: 'Hi {{{constructor}}}', verdict: 'compile' },
  { msg: 'Hi {{{{raw}}}}{{name}}{{{{/raw}}}}', verdict: 'compile' },
  { msg: 'Hi {{../name}}', verdict: 'render' },
  { msg: 'Hi {{../../constructor}}', verdict: 'compile' },
  { msg: 'Hi {{@root.name}}', verdict: 'ok' },
  { msg: 'Hi {{@root.nosuch}}', verdict: 'render' },
  { msg: 'Hi {{@index}}', verdict: 'render' },
  { msg: 'Hi {{@key}}', verdict: 'render' },
  { msg: 'Hi {{@foo}}', verdict: 'compile' },
  { msg: 'Hi {{this}}', verdict: 'render' },
  { msg: 'Hi {{.}}', verdict: 'render' },
  { msg: 'Hi {{! a comment }}there', verdict: 'ok' },
  { msg: 'Hi {{!-- {{constructor}} {{> x}} --}}there', verdict: 'ok' },
  { msg: 'Hi {{name', verdict: 'compile' },
  { msg: 'Hi {{{name}}', verdict: 'compile' },
  { msg: 'Hi {{#if name}}x', verdict: 'compile' },
  { msg: 'Hi {{/if}}', verdict: 'compile' },
  { msg: 'Hi {{#if name}}x{{/each}}', verdict: 'compile' },
  { msg: 'Hi }}{{', verdict: 'compile' },
  { msg: 'Hi {{}}', verdict: 'compile' },
  { msg: 'Hi {{{{', verdict: 'compile' },
  { msg: 'Hi name}} and }}', verdict: 'ok' },
  { msg: 'Hi \\{{constructor}}', verdict: 'ok' },
  { msg: 'Hi {{~name~}} !', verdict: 'ok' },
  { msg: 'Hi {{nosuch name}}', verdict: 'compile' },
  { msg: 'Hi {{#nosuch}}x{{/nosuch}}', verdict: 'compile' },
  { msg: 'Hi {{#nosuch name}}x{{/nosuch}}', verdict: 'compile' },
  { msg: 'Hi {{helperMissing}}', verdict: 'render' },
  { msg: 'Hi {{blockHelperMissing}}', verdict: 'render' },
  { msg: 'Hi {{#helperMissing}}x{{/helperMissing}}', verdict: 'compile' },
  { msg: 'Hi {{#blockHelperMissing name}}x{{/blockHelperMissing}}', verdict: 'compile' },
  { msg: 'Hi {{*decorator}}', verdict: 'compile' },
  { msg: 'Hi {{name.length}}', verdict: 'compile' },
  { msg: 'Hi {{name.constructor}}', verdict: 'compile' },
  { msg: 'Hi {{name.[constructor]}}', verdict: 'compile' },
  { msg: 'Hi {{#with name as |n|}}{{n}}{{/with}}', verdict: 'ok' },
  { msg: 'Hi {{#if name}}{{name}}{{else}}nobody{{/if}}', verdict: 'ok' },
  { msg: `Hi ${'{{name}}'.repeat(120)}`, verdict: 'ok' },
  // 990 characters of template, 1530 once rendered: past the limit of 1000.
  { msg: `Hi ${'{{dueDate}}'.repeat(90)}`, verdict: 'render' },
  { msg: `${'{{#if name}}'.repeat(40)}deep${'{{/if}}'.repeat(40)}`, verdict: 'ok' },
  // Helper arguments are not looked up strictly: the second `with` finds no `name` in "Alex" and renders nothing but "Hi ".
  { msg: `Hi ${'{{#with name}}'.repeat(40)}deep${'{{/with}}'.repeat(40)}`, verdict: 'ok' },
  // Nothing to say for any destination (issue 14): empty, or only whitespace.
  { msg: '{{#unless name}}Hi{{/unless}}', verdict: 'render' },
  { msg: '  {{#if name}} {{/if}}\t', verdict: 'render' },
  { msg: '{{! only a comment }}\u200b', verdict: 'render' },
  { msg: '{{#each this}}{{/each}} ', verdict: 'render' },
];

/** The seed's messages, where a trick is put (a top-level play, the gather prompt, and a nested prompt). */
const MESSAGE_PATHS: Path[] = [
  ['callFlow', 'steps', 0, 'message', 'msg'],
  ['callFlow', 'steps', 1, 'message', 'msg'],
  ['callFlow', 'steps', 1, 'branches', 0, 'callFlow', 'steps', 0, 'message', 'msg'],
];

function handlebarsTricks(): (Mutation & { verdict: 'compile' | 'render' | 'ok' })[] {
  const out: (Mutation & { verdict: 'compile' | 'render' | 'ok' })[] = [];
  for (const { msg, verdict } of HANDLEBARS_TRICKS) {
    for (const path of MESSAGE_PATHS) {
      out.push({ kind: 'handlebars', note: `${pathText(path)} = ${JSON.stringify(msg).slice(0, 60)}`, path, verdict, valid: verdict === 'ok', apply: (b) => setAt(b, path, msg) });
    }
  }
  return out;
}

// ------------------------------------------------------------------- issue 14: generated spoken-text variants

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One or two random edits (delete, insert, substitute, swap) of `name` that give no known field. */
function typoOf(name: string, known: readonly string[], random: () => number): string {
  for (;;) {
    let word = name;
    const edits = 1 + Math.floor(random() * 2);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * word.length);
      const letter = LETTERS[Math.floor(random() * LETTERS.length)];
      const op = Math.floor(random() * 4);
      if (op === 0 && word.length > 2) word = word.slice(0, at) + word.slice(at + 1);
      else if (op === 1) word = word.slice(0, at) + letter + word.slice(at);
      else if (op === 2) word = word.slice(0, at) + letter + word.slice(at + 1);
      else if (at + 1 < word.length) word = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
    }
    if (word !== '' && !known.includes(word)) return word;
  }
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** A value that is not text, a number or a boolean: an object, an array or null, of random shape. */
function unspeakableValue(random: () => number): Json {
  const word = () => pick(['Ann', '', '200', 'x'.repeat(1 + Math.floor(random() * 20)), 'constructor'], random);
  switch (Math.floor(random() * 5)) {
    case 0:
      return null;
    case 1:
      return { [pick(['first', 'last', 'value', 'toString', 'length'], random)]: word() };
    case 2:
      return Array.from({ length: Math.floor(random() * 4) }, word);
    case 3:
      return { nested: { deep: [word(), { more: word() }] } };
    default:
      return [{ first: word() }];
  }
}

/** The objects whose fields are checked, where one is found in a body, and how a body gets one. */
const FIELD_PLACES: { known: readonly string[]; path: Path; prepare?: (body: Json) => void }[] = [
  { known: ['requestId', 'destinations', 'enableCallRecording', 'retry', 'callingHours', 'machineDetection', 'callFlow'], path: [] },
  { known: ['phone', 'caller', 'properties'], path: ['destinations', 0] },
  { known: ['phone', 'caller', 'properties'], path: ['destinations', 1] },
  { known: ['msg', 'language', 'lang', 'gender', 'pitch', 'rate'], path: ['callFlow', 'steps', 0, 'message'] },
  { known: ['msg', 'language', 'lang', 'gender', 'pitch', 'rate'], path: ['callFlow', 'steps', 1, 'branches', 0, 'callFlow', 'steps', 0, 'message'] },
  { known: ['name', 'message'], path: ['callFlow', 'steps', 0] },
  { known: ['name', 'message', 'maxRetries', 'branches'], path: ['callFlow', 'steps', 1] },
  { known: ['digit', 'default', 'optOut', 'callFlow'], path: ['callFlow', 'steps', 1, 'branches', 1] },
  { known: ['steps'], path: ['callFlow'] },
  { known: ['busy', 'no_answer', 'failed', 'machine', 'backoff', 'maxDelaySeconds', 'jitter'], path: ['retry'], prepare: (b: any) => (b.retry = { busy: { maxAttempts: 2, delaySeconds: 60 } }) },
  { known: ['maxAttempts', 'delaySeconds'], path: ['retry', 'busy'], prepare: (b: any) => (b.retry = { busy: { maxAttempts: 2, delaySeconds: 60 } }) },
  { known: ['start', 'end', 'days', 'timezone'], path: ['callingHours'], prepare: (b: any) => (b.callingHours = { start: '00:00', end: '24:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }) },
  { known: ['ifMachine', 'machineTimeout'], path: ['machineDetection'], prepare: (b: any) => (b.machineDetection = { ifMachine: 'hangup' }) },
];

const NOT_HELPERS = ['pop', 'push', 'split', 'concat', 'join', 'eval', 'require', 'call', 'apply', 'bind', 'valueOf', 'toString', 'log', 'blockHelperMissing', 'helperMissing', 'lookupProperty', 'with2', 'ifx', 'each_', 'raw', 'inline', 'name'];
const HELPER_FORMS: ((h: string) => string)[] = [
  (h) => `Hi {{${h} name}}`,
  (h) => `Hi {{#${h} name}}x{{/${h}}}`,
  (h) => `Hi {{lookup (${h} name) "a"}}`,
  (h) => `Hi {{#with (${h} name)}}x{{/with}}`,
  (h) => `Hi {{#if name}}{{${h} amount}}{{/if}}`,
  (h) => `Hi {{#each this}}{{${h} this}}{{/each}}`,
  (h) => `{{#with "${h}"}}{{#with split as |a|}}{{pop (push "x")}}{{/with}}{{/with}}`,
  (h) => `Hi {{> ${h}}}`,
  (h) => `Hi {{#> ${h}}}x{{/${h}}}`,
  (h) => `Hi {{*${h}}}`,
  (h) => `Hi {{#*${h} "x"}}y{{/${h}}}`,
  (h) => `Hi {{{{${h}}}}}{{name}}{{{{/${h}}}}}`,
];
const SILENT = ['', ' ', '\t', '\n', '\u00a0', '\u200b', '\u3000', '\ufeff', '  \t '];
const SILENT_FORMS: ((ws: string, word: string) => string)[] = [
  (ws, word) => `${ws}{{#unless name}}${word}{{/unless}}${ws}`,
  (ws) => `{{#if name}}${ws}{{/if}}${ws}`,
  (ws, word) => `{{#unless amount}}${word}{{else}}${ws}{{/unless}}`,
  (ws) => `{{#each this}}${ws}{{/each}}`,
  (ws) => `{{! ${ws} nothing }}${ws}`,
];

/**
 * Issue 14's cases, generated from the seeded PRNG (the same on every run): property values that are objects,
 * arrays or null; reserved property names; helpers, partials, decorators and raw blocks; messages with nothing
 * to say; misspelt fields of every object that has fields. Every one is refused.
 */
function spokenTextVariants(random: () => number): Mutation[] {
  const out: Mutation[] = [];
  for (let n = 0; n < 150; n++) {
    const path: Path = ['destinations', Math.floor(random() * 2), 'properties', pick(['name', 'amount', 'dueDate', 'extra', 'note', `p${n}`], random)];
    const value = unspeakableValue(random);
    out.push({ kind: 'unspeakable-value', note: `${pathText(path)} = ${JSON.stringify(value).slice(0, 40)}`, path, valid: false, field: pathText(path), apply: (b) => setAt(b, path, clone(value)) });
  }
  for (let n = 0; n < 60; n++) {
    const path: Path = ['destinations', Math.floor(random() * 2), 'properties', pick(PROTO_KEYS, random)];
    const value = pick<Json>(['x', 42, true, '', { polluted: 'yes' }], random);
    out.push({ kind: 'reserved-property', note: `${pathText(path)} = ${JSON.stringify(value)}`, path, valid: false, field: pathText(path), apply: (b) => setAt(b, path, clone(value)) });
  }
  for (let n = 0; n < 150; n++) {
    const msg = pick(HELPER_FORMS, random)(pick(NOT_HELPERS, random));
    const path = pick(MESSAGE_PATHS, random);
    out.push({ kind: 'unavailable-helper', note: `${pathText(path)} = ${JSON.stringify(msg).slice(0, 60)}`, path, verdict: 'compile', valid: false, apply: (b) => setAt(b, path, msg) });
  }
  for (let n = 0; n < 80; n++) {
    const msg = pick(SILENT_FORMS, random)(pick(SILENT, random), pick(['Hi', 'pay now', 'x'], random));
    const path = pick(MESSAGE_PATHS, random);
    // A template that is only whitespace is refused as such when the flow is checked; any other says nothing when rendered.
    const verdict = msg.trim() === '' ? 'compile' : 'render';
    out.push({ kind: 'nothing-to-say', note: `${pathText(path)} = ${JSON.stringify(msg)}`, path, verdict, valid: false, apply: (b) => setAt(b, path, msg) });
  }
  for (let n = 0; n < 200; n++) {
    const place = pick(FIELD_PLACES, random);
    const typo = typoOf(pick(place.known, random), place.known, random);
    const path = [...place.path, typo];
    out.push({
      kind: 'unknown-field',
      note: `${pathText(path)} (a misspelling)`,
      path,
      valid: false,
      field: pathText(path),
      apply: (b) => {
        place.prepare?.(b);
        setAt(b, path, 'x');
      },
    });
  }
  return out;
}

/** JSON text with `"@@HOLE@@"` replaced by `inner` (for documents too deep to build as objects). */
function withHole(body: Record<string, Json>, path: Path, inner: string): Buffer {
  const copy = clone(body);
  setAt(copy, path, '@@HOLE@@');
  return Buffer.from(JSON.stringify(copy).replace('"@@HOLE@@"', () => inner));
}

function deepFlow(levels: number): string {
  const open = '{"steps":[{"name":"gather","message":{"msg":"Press 1"},"branches":[{"digit":"1","callFlow":';
  return `${open.repeat(levels - 1)}{"steps":[{"name":"play","message":{"msg":"innermost"}}]}${'}]}]}'.repeat(levels - 1)}`;
}
const deepObject = (levels: number, leaf = '"x"') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const JSON_TYPE = 'application/json';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, overlong forms, a surrogate, 0xFF. */
const INVALID_UTF8: { name: string; bytes: number[] }[] = [
  { name: 'lone continuation byte 0x80', bytes: [0x80] },
  { name: 'truncated 2-byte sequence', bytes: [0xc3] },
  { name: 'truncated 3-byte sequence', bytes: [0xe2, 0x82] },
  { name: 'overlong "/"', bytes: [0xc0, 0xaf] },
  { name: 'overlong NUL', bytes: [0xc0, 0x80] },
  { name: 'UTF-8 encoded surrogate', bytes: [0xed, 0xa0, 0x80] },
  { name: 'byte 0xFF', bytes: [0xff] },
  { name: 'byte 0xFE', bytes: [0xfe] },
  { name: 'code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80] },
  { name: 'Latin-1 "é"', bytes: [0xe9] },
];

function invalidUtf8Cases(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  for (const path of [['requestId'], ['destinations', 0, 'properties', 'name'], ['destinations', 1, 'properties', 'amount'], ['callFlow', 'steps', 0, 'message', 'msg'], ['callFlow', 'steps', 1, 'message', 'msg'], ['destinations', 0, 'properties', 'unused']] as Path[]) {
    for (const { name, bytes } of INVALID_UTF8) {
      const requestId = nextId();
      const body = base(requestId);
      setAt(body, path, path[0] === 'requestId' ? `${requestId}@@BYTES@@` : 'Alex @@BYTES@@');
      const text = JSON.stringify(body);
      const at = text.indexOf('@@BYTES@@');
      const raw = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at + '@@BYTES@@'.length))]);
      out.push({ kind: 'invalid-utf8', note: `${name} in ${pathText(path)}`, target: 'call', body: raw, contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
      out.push({ kind: 'invalid-utf8', note: `${name} in ${pathText(path)} (charset=utf-8)`, target: 'dryRun', body: raw, contentType: `${JSON_TYPE}; charset=utf-8`, expect: { outcome: 'refused', statuses: [400] } });
    }
  }
  return out;
}

/**
 * Strings PostgreSQL cannot store: NUL (`\u0000`) and lone UTF-16 surrogates (`\ud800`), written as
 * JSON escapes (valid JSON text, so the parser lets them through). Refused: the text cannot be kept
 * as sent.
 */
function unstorableStrings(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  const escapes = ['\\u0000', '\\ud800', '\\udfff', '\\udc00\\ud800', 'x\\ud83dy'];
  for (const path of [['requestId'], ['destinations', 0, 'properties', 'name'], ['destinations', 0, 'properties', 'unused'], ['destinations', 0, 'properties', '@@KEY@@'], ['callFlow', 'steps', 0, 'message', 'msg'], ['callFlow', 'steps', 1, 'branches', 0, 'callFlow', 'steps', 0, 'message', 'lang']] as Path[]) {
    for (const escape of escapes) {
      const requestId = nextId();
      const body = base(requestId);
      if (path[3] === '@@KEY@@') setAt(body, [...path.slice(0, 3), 'k@@ESC@@'], 'v');
      else setAt(body, path, path[0] === 'requestId' ? `${requestId}@@ESC@@` : 'Alex @@ESC@@');
      const raw = Buffer.from(JSON.stringify(body).replace('@@ESC@@', escape));
      out.push({ kind: 'unstorable-string', note: `${escape} in ${pathText(path)}`, target: 'call', body: raw, contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
    }
  }
  return out;
}

function deepNesting(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  for (const levels of [6, 7, 10, 50, 500, 5_000, 50_000]) {
    out.push({ kind: 'deep-nesting', note: `callFlow ${levels} levels deep`, target: 'call', body: withHole(base(nextId()), ['callFlow'], deepFlow(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['callFlow'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `branch callFlow ${levels} levels deep`, target: 'dryRun', body: withHole(base(nextId()), ['callFlow', 'steps', 1, 'branches', 0, 'callFlow'], deepFlow(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['callFlow'], errorsListed: true } });
  }
  // Nested values where a placeholder, a property, or a top-level field is expected.
  for (const levels of [100, 1_000, 10_000, 100_000]) {
    out.push({ kind: 'deep-nesting', note: `requestId: object ${levels} deep`, target: 'call', body: withHole(base('unused'), ['requestId'], deepObject(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['requestId'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `enableCallRecording: array ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['enableCallRecording'], deepArray(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['enableCallRecording'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `retry: object ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['retry'], deepObject(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['retry'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `callingHours: object ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['callingHours'], deepObject(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['callingHours'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `destinations[0].phone: array ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['destinations', 0, 'phone'], deepArray(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['destinations[0].phone'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `a property ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['destinations', 0, 'properties', 'extra'], deepObject(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['destinations[0].properties'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `the placeholder name ${levels} deep`, target: 'call', body: withHole(base(nextId()), ['destinations', 1, 'properties', 'name'], deepArray(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['destinations[1].properties'], errorsListed: true } });
    out.push({ kind: 'deep-nesting', note: `a whole body that is an array ${levels} deep`, target: 'call', body: Buffer.from(deepArray(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
    const withExtra = { ...base('unused'), requestId: 42 };
    out.push({ kind: 'deep-nesting', note: `an unknown top-level field ${levels} deep`, target: 'call', body: withHole(withExtra, ['extra'], deepObject(levels)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['requestId'], errorsListed: true } });
  }
  return out;
}

/** Property values used to nest up to 32 levels; since issue 14 a value is text, a number or a boolean, so any nesting is refused. */
export const MAX_PROPERTY_DEPTH = 32;

function propertyDepthLimit(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  for (const levels of [1, MAX_PROPERTY_DEPTH - 1, MAX_PROPERTY_DEPTH + 1]) {
    const requestId = nextId();
    out.push({
      kind: 'deep-nesting',
      note: `a property value ${levels} levels deep (values are text, numbers or booleans)`,
      target: 'call',
      requestId,
      body: withHole(base(requestId), ['destinations', 0, 'properties', 'extra'], deepObject(levels)),
      contentType: JSON_TYPE,
      expect: { outcome: 'refused', statuses: [400], fields: ['destinations[0].properties.extra'], errorsListed: true },
    });
  }
  return out;
}

/** Bodies of about 10 MB: all refused (a few only: each is parsed in full). */
function tenMegabyteBodies(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const ten = 10 * 1024 * 1024;
  const out: Omit<HostileCase, 'id'>[] = [];
  const hugeId = base('x');
  hugeId.requestId = LONG(ten);
  out.push({ kind: '10mb-body', note: '10 MB requestId', target: 'call', body: json(hugeId), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['requestId'], errorsListed: true } });
  const manyBad = base(nextId());
  manyBad.destinations = Array.from({ length: Math.floor(ten / 60) }, (_, i) => ({ phone: `bad-${i}`, caller: '+6582674904', properties: { name: 'A', amount: '1', dueDate: 'x' } }));
  out.push({ kind: '10mb-body', note: `${(manyBad.destinations as Json[]).length} destinations with bad phones`, target: 'call', body: json(manyBad), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['destinations[0].phone'], errorsListed: true } });
  const hugeMsg = base(nextId());
  setAt(hugeMsg, ['callFlow', 'steps', 0, 'message', 'msg'], `{{name}}${LONG(ten)}`);
  out.push({ kind: '10mb-body', note: '10 MB message', target: 'dryRun', body: json(hugeMsg), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['callFlow.steps[0].message.msg'], errorsListed: true } });
  out.push({ kind: '10mb-body', note: '10 MB of malformed JSON', target: 'call', body: Buffer.concat([Buffer.from('{"requestId": "'), Buffer.alloc(ten, 'a'), Buffer.from('", ')]), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
  return out;
}

function contentTypeCases(nextId: () => string): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  const valid = () => json(base(nextId()));
  for (const type of [undefined, 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/jsonx', 'application/vnd.api+json', 'application/json-patch+json', 'json', '*/*', 'application/*', 'image/png', ' ']) {
    out.push({ kind: 'content-type', note: `Content-Type ${JSON.stringify(type)}`, target: 'call', body: valid(), contentType: type, expect: { outcome: 'refused', statuses: [415] } });
  }
  for (const charset of ['latin1', 'iso-8859-1', 'us-ascii', 'windows-1252', 'x-unknown', 'koi8-r']) {
    out.push({ kind: 'content-type', note: `charset=${charset}`, target: 'call', body: valid(), contentType: `${JSON_TYPE}; charset=${charset}`, expect: { outcome: 'refused', statuses: [415] } });
  }
  // UTF-8 bytes declared as UTF-16: decoded as something that is not JSON.
  out.push({ kind: 'content-type', note: 'UTF-8 bytes declared utf-16le', target: 'call', body: valid(), contentType: `${JSON_TYPE}; charset=utf-16le`, expect: { outcome: 'refused', statuses: [400] } });
  for (const encoding of ['gzip', 'deflate', 'br']) {
    out.push({ kind: 'content-type', note: `Content-Encoding ${encoding} over bytes that are not ${encoding}`, target: 'call', body: valid(), contentType: JSON_TYPE, headers: { 'content-encoding': encoding }, expect: { outcome: 'refused', statuses: [400] } });
  }
  for (const encoding of ['compress', 'x-bogus', 'gzip, x-bogus']) {
    out.push({ kind: 'content-type', note: `Content-Encoding ${encoding}`, target: 'call', body: valid(), contentType: JSON_TYPE, headers: { 'content-encoding': encoding }, expect: { outcome: 'refused', statuses: [415] } });
  }
  return out;
}

/** Text that is not JSON, or not a JSON object: refused by the parser (or, for other JSON values, by validation). */
function badJson(nextId: () => string, random: () => number): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  const text = JSON.stringify(base('truncated'));
  // Every prefix of the seed (but the whole) is malformed JSON; one in two, for a corpus of sensible size.
  for (let length = 0; length < text.length; length += 1 + Math.floor(random() * 2)) {
    out.push({ kind: 'bad-json', note: `the seed cut at byte ${length}`, target: random() < 0.2 ? 'dryRun' : 'call', body: Buffer.from(text.slice(0, length)), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
  }
  const seedText = JSON.stringify(base(nextId()), null, 2);
  const broken: [string, string][] = [
    ['trailing comma', seedText.replace(/}\s*$/, ',}')],
    ['single quotes', seedText.replace(/"/g, "'")],
    ['unquoted keys', seedText.replace(/"(\w+)":/g, '$1:')],
    ['NaN', seedText.replace('"enableCallRecording": true', '"enableCallRecording": NaN')],
    ['Infinity', seedText.replace('"enableCallRecording": true', '"enableCallRecording": Infinity')],
    ['a comment', `// hello\n${seedText}`],
    ['a block comment', seedText.replace('{', '{ /* x */')],
    ['garbage after the document', `${seedText}garbage`],
    ['two documents', `${seedText}${seedText}`],
    ['hex number', seedText.replace('"enableCallRecording": true', '"enableCallRecording": 0x1')],
    ['leading zeros', seedText.replace('"enableCallRecording": true', '"enableCallRecording": 01')],
    ['undefined', seedText.replace('"enableCallRecording": true', '"enableCallRecording": undefined')],
    ['a raw tab in a string', seedText.replace('thanks {{name}}', 'thanks\t{{name}}')],
    ['a raw newline in a string', seedText.replace('thanks {{name}}', 'thanks\n{{name}}')],
    ['a bad escape', seedText.replace('thanks {{name}}', 'thanks \\x41')],
    ['a short unicode escape', seedText.replace('thanks {{name}}', 'thanks \\u12')],
    ['an unclosed string', seedText.replace('"thanks {{name}}"', '"thanks {{name}}')],
    ['python literals', seedText.replace('"enableCallRecording": true', '"enableCallRecording": True')],
    ['only whitespace', ' \n\t '],
    ['a lone brace', '{'],
    ['a lone bracket', ']'],
    ['an XML document', '<call><requestId>x</requestId></call>'],
    ['a form body', 'requestId=x&destinations=y'],
    ['a NUL byte', `\u0000${seedText}`],
    ['a JSON string', '"request_10"'],
    ['a number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ];
  for (const [note, body] of broken) out.push({ kind: 'bad-json', note, target: 'call', body: Buffer.from(body), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400] } });
  // JSON, but not a call request: validation refuses it, naming the missing fields.
  for (const [note, body] of [['an empty object', '{}'], ['an empty array', '[]'], ['an array holding the seed', `[${seedText}]`], ['an object of nulls', '{"requestId":null,"destinations":null,"callFlow":null}']] as const) {
    out.push({ kind: 'bad-json', note, target: 'call', body: Buffer.from(body), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['requestId', 'destinations', 'callFlow'], errorsListed: true } });
  }
  // Duplicate keys: the last one wins, and here the last one is wrong.
  out.push({ kind: 'bad-json', note: 'duplicate requestId, the last a number', target: 'call', body: Buffer.from(seedText.replace('"requestId":', '"requestId": 42, "requestId":').replace(/("requestId": 42, "requestId": "[^"]*")/, (m) => m.split(', ').reverse().join(', '))), contentType: JSON_TYPE, expect: { outcome: 'refused', statuses: [400], fields: ['requestId'], errorsListed: true } });
  return out;
}

function queryCases(nextId: () => string): Omit<HostileCase, 'id'>[] {
  return ['yes', '1', 'TRUE', '', 'true&dryRun=false', 'true&dryRun=true'].map((value) => ({
    kind: 'query',
    note: `?dryRun=${value}`,
    target: 'call' as Target,
    query: `dryRun=${value}`,
    body: json(base(nextId())),
    contentType: JSON_TYPE,
    expect: { outcome: 'refused', statuses: [400], fields: ['dryRun'], errorsListed: true } as Expectation,
  }));
}

// ---------------------------------------------------------------------------------------------- CSV

const CSV_FLOW = JSON.stringify(SEED_EXAMPLE.callFlow);
const GOOD_CSV = 'phone,caller,name,amount,dueDate\n+84917660247,+6582674904,Alex,"200,000$","August 20th, 2020"\n';

interface FormPart {
  name: string;
  value: Buffer | string;
  filename?: string;
  contentType?: string;
}

export function multipart(parts: FormPart[], boundary = 'hostileBoundary7MA4YWxk'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.contentType ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function csvForm(requestId: string, file: Buffer | string | undefined, fields: Record<string, string | Buffer> = {}): { body: Buffer; contentType: string } {
  const parts: FormPart[] = [
    { name: 'requestId', value: requestId },
    { name: 'callFlow', value: CSV_FLOW },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
  ];
  if (file !== undefined) parts.push({ name: 'file', value: file, filename: 'debtors.csv', contentType: 'text/csv' });
  return multipart(parts);
}

function csvCases(nextId: () => string, random: () => number): Omit<HostileCase, 'id'>[] {
  const out: Omit<HostileCase, 'id'>[] = [];
  const refused = (note: string, form: { body: Buffer; contentType: string }, statuses = [400], fields?: string[]) =>
    out.push({ kind: 'csv', note, target: 'csv', body: form.body, contentType: form.contentType, expect: { outcome: 'refused', statuses, ...(fields && { fields, errorsListed: true }) } });
  const accepted = (note: string, requestId: string, form: { body: Buffer; contentType: string }) =>
    out.push({ kind: 'csv', note, target: 'csv', requestId, body: form.body, contentType: form.contentType, expect: { outcome: 'accepted' } });

  const header = 'phone,caller,name,amount,dueDate';
  const row = '+84917660247,+6582674904,Alex,"200,000$","August 20th, 2020"';
  const files: [string, Buffer | string, string[]?][] = [
    ['an empty file', ''],
    ['a header only', `${header}\n`],
    ['no phone column', 'tel,caller,name,amount,dueDate\n+84917660247,+6582674904,Alex,1,x\n'],
    ['binary junk', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    ['a PNG header', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0)])],
    ['NUL bytes in a cell', Buffer.from(`${header}\n+84917660247,+6582674904,Al\u0000ex,1,x\n`)],
    ['an unterminated quote', `${header}\n+84917660247,+6582674904,"Alex,1,x\n`],
    ['an invalid number', `${header}\n12ab,+6582674904,Alex,1,x\n`],
    ['a duplicate number', `${header}\n${row}\n${row}\n`],
    ['too many fields', `${header}\n${row},extra\n`],
    ['too few fields', `${header}\n+84917660247,+6582674904\n`],
    ['an empty placeholder', `${header}\n+84917660247,+6582674904,,1,x\n`],
    ['a 1 MB cell', `${header}\n+84917660247,+6582674904,${LONG(1024 * 1024)},1,x\n`],
    ['a placeholder value that renders past 1000 characters', `${header}\n+84917660247,+6582674904,${LONG(995)},1,x\n`],
    ['two columns of the same name', 'phone,caller,name,Name,amount,dueDate\n+84917660247,+6582674904,A,B,1,x\n'],
    ['a camelCase clash', 'phone,caller,name,amount,dueDate,Due Date\n+84917660247,+6582674904,A,1,x,y\n'],
    ['a missing caller', 'phone,name,amount,dueDate\n+84917660247,Alex,1,x\n'],
    ['a bad caller', `${header}\n+84917660247,12ab,Alex,1,x\n`],
    ['only blank lines', '\n\n\n'],
  ];
  for (const [byte] of INVALID_UTF8.map((b) => [b.bytes])) files.push([`invalid UTF-8 ${byte}`, Buffer.concat([Buffer.from(`${header}\n+84917660247,+6582674904,Al`), Buffer.from(byte), Buffer.from('ex,1,x\n')])]);
  for (const [note, file] of files) refused(`file: ${note}`, csvForm(nextId(), file), [400]);

  // Header names that are Object.prototype's keys are refused as reserved (src/uploads/header-columns.ts), as
  // written or as their camelCase form, used by the flow or not; a template that reads one is refused too.
  for (const name of [...PROTO_KEYS, 'Constructor', 'PROTOTYPE']) {
    for (const used of [false, true]) {
      const flow = used ? JSON.stringify({ steps: [{ name: 'play', message: { msg: `Hi {{[${name}]}} {{name}}` } }] }) : CSV_FLOW;
      const form = multipart([
        { name: 'requestId', value: nextId() },
        { name: 'callFlow', value: flow },
        { name: 'file', value: `phone,caller,name,amount,dueDate,${name}\n+84917660247,+6582674904,Alex,1,x,polluted\n`, filename: 'd.csv' },
      ]);
      // A flow that reads such a name is refused first, when it is compiled (issue 14); else the header is, by its column.
      refused(`a column named ${name}${used ? ', used by the flow' : ''}`, form, [400], used && PROTO_KEYS.includes(name) ? ['callFlow.steps[0].message.msg'] : ['file']);
    }
  }
  // Handlebars tricks in the form's callFlow: refused as in POST /call (compile or render errors alike: one row, not callable).
  for (const { msg, verdict } of HANDLEBARS_TRICKS) {
    if (random() < 0.5) continue;
    const requestId = nextId();
    const flow = JSON.stringify({ steps: [{ name: 'play', message: { msg } }] });
    const form = multipart([{ name: 'requestId', value: requestId }, { name: 'callFlow', value: flow }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]);
    if (verdict === 'ok') accepted(`callFlow message ${JSON.stringify(msg).slice(0, 50)}`, requestId, form);
    else refused(`callFlow message ${JSON.stringify(msg).slice(0, 50)}`, form, [400]);
  }
  // The form fields themselves.
  const fieldCases: [string, Record<string, string | Buffer>, boolean][] = [
    ['callFlow not JSON', { callFlow: '{steps' }, false],
    ['callFlow a JSON string', { callFlow: '"steps"' }, false],
    ['callFlow with a __proto__ key and no steps', { callFlow: '{"__proto__":{"steps":[{"name":"play","message":{"msg":"hi"}}]}}' }, false],
    ['skipInvalidRows=maybe', { skipInvalidRows: 'maybe' }, false],
    ['dryRun=1', { dryRun: '1' }, false],
    ['defaultRegion=XX', { defaultRegion: 'XX' }, false],
    ['defaultRegion=__proto__', { defaultRegion: '__proto__' }, false],
    ['caller=12ab', { caller: '12ab' }, false],
    ['enableCallRecording=yes', { enableCallRecording: 'yes' }, false],
    ['an unknown field', { skipInvalidRow: 'true' }, false],
    ['a field named constructor', { constructor: 'x' }, false],
    ['retry not JSON', { retry: '{' }, false],
    ['callingHours a number', { callingHours: '42' }, false],
    ['retry 10,000 levels deep', { retry: deepObject(10_000) }, false],
    ['callingHours 10,000 levels deep', { callingHours: deepArray(10_000) }, false],
  ];
  for (const [note, fields] of fieldCases) {
    const requestId = nextId();
    const callFlow = fields.callFlow ?? CSV_FLOW;
    const rest = Object.entries(fields).filter(([k]) => k !== 'callFlow');
    const parts: FormPart[] = [{ name: 'requestId', value: requestId }, { name: 'callFlow', value: callFlow }, ...rest.map(([name, value]) => ({ name, value })), { name: 'file', value: GOOD_CSV, filename: 'd.csv' }];
    refused(`field: ${note}`, multipart(parts), [400]);
  }
  // A field named __proto__ (the object literal above sets the prototype instead): built by hand.
  refused('field: a part named __proto__', multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW }, { name: '__proto__', value: '{"polluted":"yes"}' }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400]);
  for (const { name, bytes } of INVALID_UTF8) {
    const requestId = nextId();
    refused(`field: requestId with ${name}`, multipart([{ name: 'requestId', value: Buffer.concat([Buffer.from(requestId), Buffer.from(bytes)]) }, { name: 'callFlow', value: CSV_FLOW }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400]);
    refused(`field: callFlow with ${name}`, multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: Buffer.from(CSV_FLOW.replace('thanks', `thanks ${Buffer.from(bytes).toString('latin1')}`), 'latin1') }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400]);
  }
  // The multipart envelope.
  const good = csvForm(nextId(), GOOD_CSV);
  refused('no file part', csvForm(nextId(), undefined), [400], ['file']);
  refused('two file parts', multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW }, { name: 'file', value: GOOD_CSV, filename: 'a.csv' }, { name: 'file', value: GOOD_CSV, filename: 'b.csv' }]), [400]);
  refused('the file under another name', multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW }, { name: 'upload', value: GOOD_CSV, filename: 'a.csv' }]), [400]);
  refused('no boundary parameter', { body: good.body, contentType: 'multipart/form-data' }, [400]);
  refused('the wrong boundary', { body: good.body, contentType: 'multipart/form-data; boundary=other' }, [400]);
  refused('a truncated body', { body: good.body.subarray(0, Math.floor(good.body.length / 2)), contentType: good.contentType }, [400]);
  refused('the body without its closing boundary', { body: good.body.subarray(0, good.body.length - 30), contentType: good.contentType }, [400]);
  refused('JSON sent to the CSV route', { body: json(base(nextId())), contentType: JSON_TYPE }, [415]);
  refused('a CSV sent as text/csv', { body: Buffer.from(GOOD_CSV), contentType: 'text/csv' }, [415]);
  refused('21 form fields', multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW }, ...Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, value: 'x' })), { name: 'file', value: GOOD_CSV, filename: 'a.csv' }]), [400]);
  refused('a 2 MB callFlow field', multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: LONG(2 * 1024 * 1024) }, { name: 'file', value: GOOD_CSV, filename: 'a.csv' }]), [400], ['callFlow']);
  // Not a prototype's key in any case: an ordinary column.
  for (const used of [false, true]) {
    const requestId = nextId();
    const flow = used ? JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Hi {{[__PROTO__]}} {{name}}' } }] }) : CSV_FLOW;
    accepted(`a column named __PROTO__${used ? ', used by the flow' : ''}`, requestId, multipart([{ name: 'requestId', value: requestId }, { name: 'callFlow', value: flow }, { name: 'file', value: 'phone,caller,name,amount,dueDate,__PROTO__\n+84917660247,+6582674904,Alex,1,x,polluted\n', filename: 'd.csv' }]));
  }
  // Extra columns are properties like any other: 5,000 of them are still a valid list.
  const wideId = nextId();
  accepted('a header of 5,000 columns', wideId, csvForm(wideId, `${header},${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')}\n${row}${',v'.repeat(5000)}\n`));
  // Text PostgreSQL cannot store, in the form's fields (raw, or as JSON escapes in the JSON-text fields).
  for (const escape of ['\\u0000', '\\ud800', '\\udc00']) {
    refused(`field: callFlow with ${escape}`, multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW.replace('thanks', `thanks ${escape}`) }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400], ['callFlow']);
    refused(`field: retry with ${escape}`, multipart([{ name: 'requestId', value: nextId() }, { name: 'callFlow', value: CSV_FLOW }, { name: 'retry', value: `{"busy": {"maxAttempts": 2}, "x${escape}": 1}` }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400], ['retry']);
  }
  refused('field: requestId with a NUL byte', multipart([{ name: 'requestId', value: `${nextId()}\u0000` }, { name: 'callFlow', value: CSV_FLOW }, { name: 'file', value: GOOD_CSV, filename: 'd.csv' }]), [400], ['requestId']);
  // A control: the same form, valid, is a campaign.
  const controlId = nextId();
  accepted('the valid form (control)', controlId, csvForm(controlId, GOOD_CSV));
  return out;
}

// ---------------------------------------------------------------------------------------------- the corpus

/**
 * The whole corpus. Single mutations go to POST /call, one in four also as a dry run; then random
 * combinations of 2 to 4 refused mutations on paths that do not contain one another (each one alone
 * is refused, and none can undo another, so the combination is refused too).
 */
export function buildHostileCorpus(seed = 20_251_122, combinations = 2_600): Corpus {
  const random = seededRandom(seed); // the same corpus on every run
  const cases: HostileCase[] = [];
  let counter = 0;
  const nextId = () => `hostile-${++counter}`;
  const push = (c: Omit<HostileCase, 'id'>) => cases.push({ ...c, id: cases.length });
  const seedBody = clone(SEED_EXAMPLE) as Json;

  const mutationCase = (mutations: Mutation[], target: Target): Omit<HostileCase, 'id'> => {
    const requestId = nextId();
    const body = base(requestId);
    for (const m of mutations) m.apply(body);
    const valid = mutations.every((m) => m.valid);
    const keepsRequestId = !mutations.some((m) => m.path[0] === 'requestId');
    const kind = mutations.length === 1 ? mutations[0].kind : `combined-${mutations.length}`;
    const note = mutations.map((m) => m.note).join('; ');
    let expect: Expectation;
    const flowLevel = mutations.filter((m) => !m.valid && !(DESTINATION_LEVEL(m.path) || m.verdict === 'render'));
    if (valid) expect = target === 'dryRun' ? { outcome: 'previewed', rejected: 0 } : { outcome: 'accepted' };
    else if (target === 'dryRun' && flowLevel.length === 0) {
      // Only destination-level problems: a dry run lists them instead of refusing.
      const render = mutations.some((m) => m.verdict === 'render');
      const rejected = render ? (body.destinations as Json[]).length : new Set(mutations.filter((m) => !m.valid).map((m) => m.path[1])).size;
      expect = { outcome: 'previewed', rejected };
    } else {
      const fields = mutations
        .filter((m) => !m.valid)
        .map((m) => (m.verdict === 'render' ? 'destinations[0].properties' : m.field ?? refusalField(m.path)));
      expect = { outcome: 'refused', statuses: [400], fields, errorsListed: true };
    }
    return { kind, note, target, requestId: keepsRequestId ? requestId : undefined, body: json(body), contentType: JSON_TYPE, expect };
  };

  const singles = [...singleMutations(seedBody), ...hugeStrings(seedBody), ...protoKeys(), ...handlebarsTricks()];
  // Issue 14's variants draw from a stream of their own, so the rest of the corpus is the same as before them.
  const variantRandom = seededRandom(seed + 14);
  const variants = spokenTextVariants(variantRandom);
  for (const m of singles) {
    push(mutationCase([m], 'call'));
    if (random() < 0.25) push(mutationCase([m], 'dryRun'));
  }
  for (const m of variants) {
    push(mutationCase([m], 'call'));
    if (variantRandom() < 0.25) push(mutationCase([m], 'dryRun'));
  }
  // A root-level __proto__ or constructor key must not switch validation off.
  for (const key of PROTO_KEYS) {
    for (const value of PROTO_VALUES) {
      for (const wrong of [['requestId', 42], ['enableCallRecording', 'yes'], ['destinations', 'x'], ['callFlow', 7]] as [string, Json][]) {
        const protoPath = [key];
        push(
          mutationCase(
            [
              { kind: 'proto-key', note: `${key} = ${JSON.stringify(value)}`, path: protoPath, valid: true, apply: (b) => setAt(b, protoPath, clone(value)) },
              { kind: 'wrong-type', note: `${wrong[0]} = ${JSON.stringify(wrong[1])}`, path: [wrong[0]], valid: false, apply: (b) => setAt(b, [wrong[0]], wrong[1]) },
            ],
            'call',
          ),
        );
        cases[cases.length - 1].kind = 'proto-key-with-invalid-field';
      }
    }
  }
  const refusable = singles.filter((m) => !m.valid && m.kind !== 'huge-string');
  const overlaps = (a: Path, b: Path) => pathText(a).startsWith(pathText(b)) || pathText(b).startsWith(pathText(a));
  for (let n = 0; n < combinations; n++) {
    const size = 2 + Math.floor(random() * 3);
    const chosen: Mutation[] = [];
    for (let tries = 0; chosen.length < size && tries < 20; tries++) {
      const candidate = refusable[Math.floor(random() * refusable.length)];
      if (chosen.some((m) => overlaps(m.path, candidate.path))) continue;
      chosen.push(candidate);
    }
    push(mutationCase(chosen, random() < 0.2 ? 'dryRun' : 'call'));
  }
  for (const c of [
    ...invalidUtf8Cases(nextId),
    ...unstorableStrings(nextId),
    ...deepNesting(nextId),
    ...propertyDepthLimit(nextId),
    ...tenMegabyteBodies(nextId),
    ...contentTypeCases(nextId),
    ...badJson(nextId, random),
    ...queryCases(nextId),
    ...csvCases(nextId, random),
  ]) {
    push(c);
  }
  return { cases };
}
