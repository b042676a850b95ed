import Handlebars from 'handlebars';
import { FieldError } from '../common/field-error';
import { CallFlow, FLOW_LIMITS, FlowStep, VoiceMessage } from './call-flow.types';

/** Text for speech, not HTML: nothing is escaped, and a missing property is an error, never an empty string. */
const handlebars = Handlebars.create();
// `{{log}}` and `{{lookup}}` must read properties of those names, not call the built-in helpers.
handlebars.unregisterHelper('log');
handlebars.unregisterHelper('lookup');
const COMPILE_OPTIONS: CompileOptions = { strict: true, noEscape: true, knownHelpers: { log: false, lookup: false } };
const MAX_MISSING_LISTED = 20;

/** Helpers whose block keeps the surrounding context, so names inside them are destination properties too. */
const SAME_CONTEXT_BLOCKS = new Set(['if', 'unless']);
const BUILT_IN_BLOCKS = new Set(['if', 'unless', 'each', 'with']);

interface CompiledMessage {
  path: string;
  render: HandlebarsTemplateDelegate;
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
      try {
        const ast = handlebars.parse(message.msg);
        collectPlaceholders(ast, placeholders);
        compiled[message.messageIndex] = { path, render: handlebars.compile(ast, COMPILE_OPTIONS) };
      } catch (error) {
        errors.push({ field: path, message: `is not a valid template: ${firstLine(error)}` });
      }
    }
    if (errors.length > 0) return { errors };
    return { templates: new FlowTemplates(compiled, [...placeholders]), errors };
  }

  /** Renders every message for one destination, or says why it cannot (`field` is relative to the destination). */
  render(properties: Record<string, unknown>): { messages?: string[]; error?: FieldError } {
    // A null or absent value would be spoken as nothing: both count as missing. Only the destination's
    // own properties count: `{{constructor}}` or `{{__proto__}}` must not find Object.prototype's (which
    // Handlebars then refuses to read, rendering an empty string).
    const missing = this.placeholders.filter((name) => !Object.prototype.hasOwnProperty.call(properties, name) || properties[name] === undefined || properties[name] === null);
    if (missing.length > 0) {
      const listed = missing.slice(0, MAX_MISSING_LISTED).join(', ');
      const more = missing.length > MAX_MISSING_LISTED ? ` and ${missing.length - MAX_MISSING_LISTED} more` : '';
      return { error: { field: 'properties', message: `missing ${missing.length} placeholder(s) used by the call flow: ${listed}${more}` } };
    }
    // Rendered against a copy without a prototype, so that a name reached another way (`{{@root.constructor}}`,
    // `{{#with this}}{{toString}}{{/with}}`) is missing in strict mode too instead of silently empty.
    const context = Object.assign(Object.create(null) as Record<string, unknown>, properties);
    const messages: string[] = [];
    for (const message of this.messages) {
      let text: string;
      try {
        text = message.render(context);
      } catch (error) {
        return { error: { field: 'properties', message: `cannot render ${message.path}: ${firstLine(error)}` } };
      }
      if (text.length > FLOW_LIMITS.maxMessageLength) {
        return { error: { field: 'properties', message: `${message.path} renders to ${text.length} characters; at most ${FLOW_LIMITS.maxMessageLength} are allowed` } };
      }
      messages.push(text);
    }
    return { messages };
  }
}

/** The flow's messages in pre-order, i.e. in messageIndex order. */
export function listMessages(flow: CallFlow): VoiceMessage[] {
  const out: VoiceMessage[] = [];
  const visit = (steps: FlowStep[]) => {
    for (const step of steps) {
      if (step.name === 'transfer' || step.name === 'record') continue;
      out.push(step.message);
      if (step.name === 'gather') step.branches.forEach((branch) => visit(branch.callFlow.steps));
    }
  };
  visit(flow.steps);
  return out;
}

type Node = hbs.AST.Node & Record<string, any>;

function collectPlaceholders(node: Node | undefined, into: Set<string>): void {
  if (!node) return;
  switch (node.type) {
    case 'Program':
      node.body.forEach((child: Node) => collectPlaceholders(child, into));
      return;
    case 'PathExpression':
      if (!node.data && node.parts.length > 0 && node.original !== 'this') into.add(node.parts[0]);
      return;
    case 'MustacheStatement':
    case 'SubExpression':
    case 'BlockStatement': {
      const isHelperCall = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0 || node.type === 'BlockStatement';
      if (!isHelperCall) collectPlaceholders(node.path, into);
      node.params.forEach((param: Node) => collectPlaceholders(param, into));
      node.hash?.pairs.forEach((pair: Node) => collectPlaceholders(pair.value, into));
      if (node.type === 'BlockStatement' && BUILT_IN_BLOCKS.has(node.path.original) && node.params.length !== 1) {
        // Handlebars only says so when it renders, which would blame every destination's properties.
        throw new Error(`{{#${node.path.original}}} needs exactly one argument`);
      }
      if (node.type === 'BlockStatement' && SAME_CONTEXT_BLOCKS.has(node.path.original)) {
        collectPlaceholders(node.program, into);
        collectPlaceholders(node.inverse, into);
      }
      return;
    }
    case 'PartialStatement':
    case 'PartialBlockStatement':
      throw new Error('partials are not supported');
    default:
      return;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
