import Handlebars from 'handlebars';
import { FieldError } from '../common/field-error';
import { CallFlow, FLOW_LIMITS, FlowStep, VoiceMessage } from './call-flow.types';

/**
 * Text for speech, not HTML: nothing is escaped, and a missing property is an error, never an empty string.
 *
 * Only the built-in helpers that make sense for speech exist: the blocks `if`, `unless`, `each`, `with`, and
 * `lookup` over the destination's own properties (see {@link checkTemplate}). A name without arguments is
 * always a property, even one named like a helper (`{{lookup}}`, `{{log}}`, `{{if}}`): it is compiled as
 * `{{./lookup}}`. `knownHelpersOnly` makes Handlebars itself refuse any other helper when it compiles.
 */
const handlebars = Handlebars.create();
handlebars.unregisterHelper('log');
handlebars.registerHelper('lookup', ownPropertyLookup);
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** Names Handlebars would call as helpers when written alone: read as properties instead. */
const HELPER_NAMES = new Set([...BLOCK_HELPERS, 'lookup', 'log', 'helperMissing', 'blockHelperMissing']);
const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: { if: true, unless: true, each: true, with: true, lookup: true, log: false, helperMissing: false, blockHelperMissing: false },
};
const MAX_MISSING_LISTED = 20;
/** Names that would reach an object's prototype or constructor: never a destination's property. */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** The data variables a template may read: `@root` (the destination's properties) and those of `each`. */
const DATA_NAMES = new Set(['root', 'index', 'key', 'first', 'last']);
/** What a callee would hear as nothing: whitespace and invisible format characters (zero-width space, BOM, ...). */
const NOTHING_TO_SAY = /^[\s\p{Cf}]*$/u;

/** Text, numbers and booleans are spoken as written (`200`, `true`); anything else would be "[object Object]". */
export const isSpeakableValue = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** Blocks that keep the surrounding context, so names inside them are destination properties too. */
const SAME_CONTEXT_BLOCKS = new Set(['if', 'unless']);

interface CompiledMessage {
  path: string;
  render: HandlebarsTemplateDelegate;
  /**
   * A template of text and bare placeholders only (`Dear {{name}}, {{amount}} is due`), as its parts in order:
   * text as is, and the names whose values fill the gaps. Such a message can be checked without rendering it.
   */
  plainParts?: ({ text: string } | { name: string })[];
}

/** A message's text compiled (what CompiledMessage holds but its path), or why it is not a valid template. */
type CompiledText = { render: HandlebarsTemplateDelegate; plainParts?: CompiledMessage['plainParts']; placeholders: string[] } | { error: string };

/**
 * Texts compiled before, by text: an integrator sends the same flow with every campaign, and parsing its messages
 * was a tenth of a submission's own work (issue 17). The oldest is forgotten first; what is kept cannot change
 * (the compiled function is Handlebars' own, which keeps nothing of a render).
 */
const compiledTexts = new Map<string, CompiledText>();
const COMPILED_TEXTS_KEPT = 1_000;

function compileText(msg: string): CompiledText {
  let compiled = compiledTexts.get(msg);
  if (compiled) return compiled;
  try {
    const ast = handlebars.parse(msg);
    checkTemplate(ast as Node);
    const placeholders = new Set<string>();
    collectPlaceholders(ast as Node, placeholders);
    const plainParts = plainPartsOf(ast as Node);
    compiled = { render: handlebars.compile(ast, COMPILE_OPTIONS), placeholders: [...placeholders], ...(plainParts && { plainParts }) };
  } catch (error) {
    compiled = { error: firstLine(error) };
  }
  if (compiledTexts.size >= COMPILED_TEXTS_KEPT) compiledTexts.delete(compiledTexts.keys().next().value!);
  compiledTexts.set(msg, compiled);
  return compiled;
}

/** Every message template of one campaign's flow, compiled once and rendered per destination. */
export class FlowTemplates {
  private constructor(
    private readonly messages: CompiledMessage[],
    /** Top-level property names the flow's templates read. */
    readonly placeholders: string[],
  ) {}

  static compile(flow: CallFlow, messagePaths: string[]): { templates?: FlowTemplates; errors: FieldError[] } {
    const errors: FieldError[] = [];
    const compiled: CompiledMessage[] = [];
    const placeholders = new Set<string>();
    for (const message of listMessages(flow)) {
      const path = messagePaths[message.messageIndex];
      const text = compileText(message.msg);
      if ('error' in text) {
        errors.push({ field: path, message: `is not a valid template: ${text.error}` });
        continue;
      }
      text.placeholders.forEach((name) => placeholders.add(name));
      compiled[message.messageIndex] = { path, render: text.render, ...(text.plainParts && { plainParts: text.plainParts }) };
    }
    if (errors.length > 0) return { errors };
    return { templates: new FlowTemplates(compiled, [...placeholders]), errors };
  }

  /**
   * Renders every message for one destination, or says why it cannot (`field` is relative to the destination:
   * `properties` or `properties.<name>`). Refused: a value that is not text, a number or a boolean; a reserved
   * name; a missing placeholder; a message longer than the limit, or one with nothing to say (empty or
   * whitespace only), each named by the message's path.
   */
  render(properties: Record<string, unknown>): { messages?: string[]; error?: FieldError } {
    const refused = this.refusedProperties(properties);
    if (refused) return { error: refused };
    // Rendered against a copy without a prototype, so that a name reached another way (`{{@root.toString}}`,
    // `{{#with this}}{{toString}}{{/with}}`) is missing in strict mode too instead of silently empty.
    const context = Object.assign(Object.create(null) as Record<string, unknown>, properties);
    const messages: string[] = [];
    for (const message of this.messages) {
      const rendered = renderMessage(message, context);
      if (rendered.error) return { error: rendered.error };
      messages.push(rendered.text);
    }
    return { messages };
  }

  /**
   * What render() would refuse for one destination, without keeping its messages: what every submission
   * checks for each destination. A message of text and bare placeholders is judged from its parts' lengths
   * and whether each part has something to say, without building its text (the same verdict: a test
   * compares the two); any other message is rendered.
   */
  check(properties: Record<string, unknown>): FieldError | undefined {
    const refused = this.refusedProperties(properties);
    if (refused) return refused;
    let context: Record<string, unknown> | undefined;
    for (const message of this.messages) {
      const verdict = message.plainParts ? checkPlainMessage(message.path, message.plainParts, properties) : 'render';
      if (verdict === 'render') {
        context ??= Object.assign(Object.create(null) as Record<string, unknown>, properties);
        const rendered = renderMessage(message, context);
        if (rendered.error) return rendered.error;
      } else if (verdict) return verdict;
    }
    return undefined;
  }

  /** A value that is not text, a number or a boolean; a reserved name; a missing placeholder. */
  private refusedProperties(properties: Record<string, unknown>): FieldError | undefined {
    for (const name of Object.keys(properties)) {
      const value = properties[name];
      if (RESERVED_PROPERTY_NAMES.has(name)) return { field: `properties.${name}`, message: 'is a reserved name; rename it' };
      if (value !== null && value !== undefined && !isSpeakableValue(value)) {
        return { field: `properties.${name}`, message: `must be text, a number or true/false; got ${kindOf(value)}` };
      }
    }
    // A null or absent value would be spoken as nothing: both count as missing. Only the destination's
    // own properties count: `{{toString}}` must not find Object.prototype's.
    const missing = this.placeholders.filter((name) => !Object.prototype.hasOwnProperty.call(properties, name) || properties[name] === undefined || properties[name] === null);
    if (missing.length > 0) {
      const listed = missing.slice(0, MAX_MISSING_LISTED).join(', ');
      const more = missing.length > MAX_MISSING_LISTED ? ` and ${missing.length - MAX_MISSING_LISTED} more` : '';
      return { field: 'properties', message: `missing ${missing.length} placeholder(s) used by the call flow: ${listed}${more}` };
    }
    return undefined;
  }
}

function renderMessage(message: CompiledMessage, context: Record<string, unknown>): { text: string; error?: undefined } | { error: FieldError } {
  let text: string;
  try {
    text = message.render(context);
  } catch (error) {
    return { error: { field: 'properties', message: `cannot render ${message.path}: ${firstLine(error)}` } };
  }
  const refused = refusedText(message.path, text.length, text === '', NOTHING_TO_SAY.test(text));
  return refused ? { error: refused } : { text };
}

/** A rendered message that is too long, or that says nothing. */
function refusedText(path: string, length: number, empty: boolean, nothingToSay: boolean): FieldError | undefined {
  if (length > FLOW_LIMITS.maxMessageLength) {
    return { field: 'properties', message: `${path} renders to ${length} characters; at most ${FLOW_LIMITS.maxMessageLength} are allowed` };
  }
  if (nothingToSay) return { field: 'properties', message: `${path} renders to ${empty ? 'empty text' : 'only whitespace'}: the callee would hear nothing` };
  return undefined;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * render()'s verdict on a plain message from its parts (their values already checked to be text, numbers or
 * booleans, and present): its length is the sum of theirs, and it says nothing exactly when none of them
 * says anything. 'render' where that could differ: a surrogate half in a part may pair with its neighbour's.
 */
function checkPlainMessage(path: string, parts: ({ text: string } | { name: string })[], properties: Record<string, unknown>): FieldError | undefined | 'render' {
  let length = 0;
  let nothingToSay = true;
  for (const part of parts) {
    const text = 'text' in part ? part.text : String(properties[part.name]);
    if (SURROGATE.test(text)) return 'render';
    length += text.length;
    if (nothingToSay && !NOTHING_TO_SAY.test(text)) nothingToSay = false;
  }
  return refusedText(path, length, length === 0, nothingToSay);
}

/** The parts of a template made only of text and bare placeholders (`{{name}}`, `{{[Due Date]}}`); undefined for any other. */
function plainPartsOf(program: Node): ({ text: string } | { name: string })[] | undefined {
  const parts: ({ text: string } | { name: string })[] = [];
  for (const node of program.body as Node[]) {
    if (node.type === 'ContentStatement') parts.push({ text: node.value });
    else if (node.type === 'CommentStatement') continue;
    else if (node.type === 'MustacheStatement' && node.params.length === 0 && !node.hash && node.path.type === 'PathExpression' && !node.path.data && node.path.depth === 0 && node.path.parts.length === 1) {
      // `{{lookup}}` was rewritten to `./lookup` by checkTemplate: still the property of that name.
      parts.push({ name: node.path.parts[0] });
    } else return undefined;
  }
  return parts;
}

/** The flow's messages in pre-order, i.e. in messageIndex order. Transfer and record steps have none. */
export function listMessages(flow: CallFlow): VoiceMessage[] {
  const out: VoiceMessage[] = [];
  const visit = (steps: FlowStep[]) => {
    for (const step of steps) {
      if (step.name !== 'play' && step.name !== 'gather') continue;
      out.push(step.message);
      if (step.name === 'gather') step.branches.forEach((branch) => visit(branch.callFlow.steps));
    }
  };
  visit(flow.steps);
  return out;
}

/**
 * The field path of every message of a stored (normalized) flow, indexed by messageIndex, as submission
 * names them (`callFlow.steps[1].branches[0].callFlow.steps[0].message.msg`): a stored flow keeps its steps
 * and branches in the order they were sent.
 */
export function messagePathsOf(flow: CallFlow): string[] {
  const paths: string[] = [];
  const visit = (steps: FlowStep[], prefix: string) => {
    steps.forEach((step, i) => {
      if (step.name !== 'play' && step.name !== 'gather') return;
      paths[step.message.messageIndex] = `${prefix}.steps[${i}].message.msg`;
      if (step.name === 'gather') step.branches.forEach((branch, j) => visit(branch.callFlow.steps, `${prefix}.steps[${i}].branches[${j}].callFlow`));
    });
  };
  visit(flow.steps, 'callFlow');
  return paths;
}

type Node = hbs.AST.Node & Record<string, any>;

class TemplateError extends Error {
  constructor(message: string, node?: Node) {
    const at = node?.loc?.start ? ` (line ${node.loc.start.line}, column ${node.loc.start.column + 1})` : '';
    super(`${message}${at}`);
  }
}

const ALLOWED = 'the blocks {{#if}}, {{#unless}}, {{#each}}, {{#with}} and {{lookup this "name"}}';

/**
 * Refuses what a spoken message has no use for, or what would be spoken as something other than meant:
 * partials, decorators, raw blocks, hash arguments, literal block arguments (`{{#with "constructor"}}`),
 * helpers other than {@link ALLOWED}, nested paths (`{{a.b}}`: values are text, numbers or booleans),
 * reserved names and unknown data variables. Bare names that are helper names become property reads.
 */
function checkTemplate(node: Node | undefined): void {
  if (!node) return;
  switch (node.type) {
    case 'Program':
      node.body.forEach((child: Node) => checkTemplate(child));
      return;
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    case 'MustacheStatement':
      if (node.params.length === 0 && !node.hash) {
        checkPath(node.path, node);
        // `{{lookup}}` alone reads the property "lookup": scoped, so Handlebars does not call the helper.
        if (isSimpleName(node.path) && HELPER_NAMES.has(node.path.parts[0])) node.path.original = `./${node.path.parts[0]}`;
        return;
      }
      checkHelperCall(node);
      return;
    case 'BlockStatement': {
      // A raw block ({{{{name}}}}…{{{{/name}}}}) is the only block whose opening has no strip flags.
      if (!node.openStrip || !('open' in node.openStrip)) throw new TemplateError('raw blocks ({{{{…}}}}) are not supported', node);
      const name = isSimpleName(node.path) ? node.path.parts[0] : undefined;
      if (name === undefined || !BLOCK_HELPERS.has(name)) {
        throw new TemplateError(`{{#${node.path.original}}} is not available; only ${ALLOWED} are`, node);
      }
      if (node.hash) throw new TemplateError(`{{#${name}}} takes no name=value arguments`, node);
      if (node.params.length !== 1) throw new TemplateError(`{{#${name}}} needs exactly one argument`, node);
      checkArgument(node.params[0], `{{#${name}}}`);
      checkTemplate(node.program);
      checkTemplate(node.inverse);
      return;
    }
    case 'PartialStatement':
    case 'PartialBlockStatement':
      throw new TemplateError('partials ({{> name}}) are not supported', node);
    case 'Decorator':
    case 'DecoratorBlock':
      throw new TemplateError('decorators ({{* name}}) are not supported', node);
    default:
      throw new TemplateError(`${node.type} is not supported`, node);
  }
}

/** A helper call with arguments (`{{name arg}}` or `(name arg)`): only `lookup`, with two arguments. */
function checkHelperCall(node: Node): void {
  const name = node.path.type === 'PathExpression' ? node.path.original : JSON.stringify(node.path.value);
  if (!isSimpleName(node.path) || node.path.parts[0] !== 'lookup') {
    if (isSimpleName(node.path) && BLOCK_HELPERS.has(node.path.parts[0])) {
      throw new TemplateError(`{{${name}}} is a block: write {{#${name} …}}…{{/${name}}}`, node);
    }
    throw new TemplateError(`the helper "${name}" is not available; only ${ALLOWED} are`, node);
  }
  if (node.hash) throw new TemplateError('lookup takes no name=value arguments', node);
  if (node.params.length !== 2) throw new TemplateError('lookup needs two arguments: {{lookup this "Due Date"}}', node);
  checkArgument(node.params[0], 'lookup');
  const [, key] = node.params;
  if (key.type === 'StringLiteral' || key.type === 'NumberLiteral') {
    if (RESERVED_PROPERTY_NAMES.has(String(key.value))) throw new TemplateError(`"${key.value}" cannot be a property name`, key);
  } else checkArgument(key, 'lookup');
}

/** An argument of a block or of lookup: a property (or `this`, `@root`, `@key`, …) or a lookup, never a literal. */
function checkArgument(node: Node, of: string): void {
  if (node.type === 'PathExpression') return checkPath(node, node);
  if (node.type === 'SubExpression') return checkHelperCall(node);
  throw new TemplateError(`the argument of ${of} must be a property, not ${node.type.replace(/Literal$/, '').toLowerCase() || 'a value'} ${JSON.stringify(node.original ?? node.value)}`, node);
}

function checkPath(path: Node, at: Node): void {
  if (path.type !== 'PathExpression') throw new TemplateError(`{{${JSON.stringify(path.value)}}} is not a property name; write {{name}}`, at);
  const parts: string[] = path.parts;
  const reserved = parts.find((part) => RESERVED_PROPERTY_NAMES.has(part));
  if (reserved !== undefined) throw new TemplateError(`"${reserved}" cannot be a property name`, at);
  if (path.data) {
    if (!DATA_NAMES.has(parts[0])) throw new TemplateError(`@${parts[0]} is not available; only @root, @index, @key, @first and @last are`, at);
    if (parts.length > (parts[0] === 'root' ? 2 : 1)) throw new TemplateError(`{{${path.original}}} reads inside a value; properties are text, numbers or true/false`, at);
    return;
  }
  if (parts.length > 1) throw new TemplateError(`{{${path.original}}} reads inside a value; properties are text, numbers or true/false`, at);
}

/** `name` or `[name]` (not `this.name`, `../name`, `@name` or a literal). */
function isSimpleName(path: Node): boolean {
  return path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1 && !/^\.|this\b/.test(path.original);
}

function collectPlaceholders(node: Node | undefined, into: Set<string>): void {
  if (!node) return;
  switch (node.type) {
    case 'Program':
      node.body.forEach((child: Node) => collectPlaceholders(child, into));
      return;
    case 'PathExpression':
      if (!node.data && node.depth === 0 && node.parts.length > 0) into.add(node.parts[0]);
      return;
    case 'MustacheStatement':
    case 'SubExpression':
    case 'BlockStatement': {
      const isHelperCall = node.params.length > 0 || node.type === 'BlockStatement';
      if (!isHelperCall) collectPlaceholders(node.path, into);
      if (node.path.parts?.[0] === 'lookup' && node.type !== 'BlockStatement' && node.params.length === 2) {
        // `{{lookup this "Due Date"}}` at the top: "Due Date" is a placeholder like {{[Due Date]}}.
        const [from, key] = node.params;
        const fromProperties = from.type === 'PathExpression' && !from.data && from.depth === 0 && from.parts.length === 0;
        if (fromProperties && (key.type === 'StringLiteral' || key.type === 'NumberLiteral')) into.add(String(key.value));
        else if (from.type === 'SubExpression') collectPlaceholders(from, into);
        if (key.type === 'PathExpression' || key.type === 'SubExpression') collectPlaceholders(key, into);
        return;
      }
      node.params.forEach((param: Node) => collectPlaceholders(param, into));
      if (node.type === 'BlockStatement' && SAME_CONTEXT_BLOCKS.has(node.path.parts[0])) {
        collectPlaceholders(node.program, into);
        collectPlaceholders(node.inverse, into);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * `{{lookup this "Due Date"}}`: one of the destination's own properties, or an error (never an empty
 * string, never something inherited from a prototype, never a character of a text value).
 */
function ownPropertyLookup(from: unknown, key: unknown): unknown {
  const name = String(key);
  if (typeof from !== 'object' || from === null || Array.isArray(from)) {
    throw new Error(`lookup reads the destination's properties ({{lookup this "${name}"}}), not ${kindOf(from)}`);
  }
  const value = Object.prototype.hasOwnProperty.call(from, name) ? (from as Record<string, unknown>)[name] : undefined;
  if (value === undefined || value === null) throw new Error(`"${name}" is not one of the destination's properties`);
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `the number ${value}`;
  return `${typeof value === 'string' ? 'the text' : typeof value} ${JSON.stringify(value)}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
