import { SEED_EXAMPLE } from '../../test/support/seed-example';
import { FlowTemplates, listMessages, messagePathsOf } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';

/** Normalizes a raw flow (which must be valid) and compiles its templates. */
function compileFlow(rawFlow: unknown) {
  const { result, errors } = normalizeCallFlow(rawFlow);
  expect(errors).toEqual([]);
  return FlowTemplates.compile(result!.flow, result!.messagePaths);
}

/** Compiles a flow that must compile. */
function templatesOf(rawFlow: unknown): FlowTemplates {
  const { templates, errors } = compileFlow(rawFlow);
  expect(errors).toEqual([]);
  expect(templates).toBeInstanceOf(FlowTemplates);
  return templates!;
}

const playFlow = (...msgs: string[]) => ({ steps: msgs.map((msg) => ({ name: 'play', message: { msg } })) });

describe('FlowTemplates', () => {
  describe('texts compiled before (kept by text, shared between flows)', () => {
    it('names each flow\'s own message when the same invalid text is at another place', () => {
      const broken = 'Hello {{#if name}}';
      expect(compileFlow(playFlow(broken)).errors.map((e) => e.field)).toEqual(['callFlow.steps[0].message.msg']);
      expect(compileFlow(playFlow('Hi', broken)).errors.map((e) => e.field)).toEqual(['callFlow.steps[1].message.msg']);
      expect(compileFlow(playFlow('Hi', broken)).errors[0].message).toMatch(/^is not a valid template: /);
    });

    it('renders and checks a text the same in every flow that has it, with each flow\'s own placeholders', () => {
      const shared = 'Dear {{name}}, {{#if late}}you are late{{else}}thanks{{/if}}';
      const first = templatesOf(playFlow(shared));
      const second = templatesOf(playFlow('Hi {{first}}', shared));
      expect(first.placeholders).toEqual(['name', 'late']);
      expect(second.placeholders).toEqual(['first', 'name', 'late']);
      expect(first.render({ name: 'Ann', late: true })).toEqual({ messages: ['Dear Ann, you are late'] });
      expect(second.render({ first: 'Bo', name: 'Ann', late: false })).toEqual({ messages: ['Hi Bo', 'Dear Ann, thanks'] });
      expect(second.check({ first: 'Bo', late: false })).toEqual({ field: 'properties', message: 'missing 1 placeholder(s) used by the call flow: name' });
    });
  });

  describe('rendering', () => {
    it('renders every message of the seed example per destination, in messageIndex order', () => {
      const templates = templatesOf(SEED_EXAMPLE.callFlow);
      expect([...templates.placeholders].sort()).toEqual(['amount', 'dueDate', 'name']);
      expect(templates.render(SEED_EXAMPLE.destinations[0].properties)).toEqual({
        messages: ['thanks Alex', 'Dear Mr Alex, the amount of 200,000$ will be due on August 20th, 2020', 'message need to play', 'msg need to play'],
      });
      expect(templates.render({ name: 'Bea', amount: '5 SGD', dueDate: 'tomorrow' })).toEqual({
        messages: ['thanks Bea', 'Dear Mr Bea, the amount of 5 SGD will be due on tomorrow', 'message need to play', 'msg need to play'],
      });
    });

    it('compiles once and renders for many destinations with different properties', () => {
      const { templates, errors } = compileFlow(playFlow('Hello {{name}}, you owe {{amount}}', 'Bye {{name}}'));
      expect(errors).toEqual([]);
      const results = Array.from({ length: 500 }, (_, i) => templates!.render({ name: `customer-${i}`, amount: i * 10 }));
      expect(results).toHaveLength(500);
      results.forEach((result, i) => {
        expect(result).toEqual({ messages: [`Hello customer-${i}, you owe ${i * 10}`, `Bye customer-${i}`] });
      });
      // rendering one destination leaves nothing behind for the next
      expect(templates!.render({ name: 'Zed', amount: '0' })).toEqual({ messages: ['Hello Zed, you owe 0', 'Bye Zed'] });
    });

    it('does not HTML-escape anything', () => {
      const templates = templatesOf(playFlow('Dear {{name}} & co <b>', 'Triple {{{name}}}'));
      expect(templates.render({ name: "O'Brien & Sons <x>" })).toEqual({
        messages: ["Dear O'Brien & Sons <x> & co <b>", "Triple O'Brien & Sons <x>"],
      });
      expect(templates.render({ name: '"quoted" `tick` =equals=' }).messages![0]).toBe('Dear "quoted" `tick` =equals= & co <b>');
    });

    it('renders a property whose name has a space with {{[Due Date]}}', () => {
      const templates = templatesOf(playFlow('Due on {{[Due Date]}}.'));
      expect(templates.placeholders).toEqual(['Due Date']);
      expect(templates.render({ 'Due Date': 'August 20th, 2020' })).toEqual({ messages: ['Due on August 20th, 2020.'] });
      expect(templates.render({ DueDate: 'x' }).error).toEqual({
        field: 'properties',
        message: 'missing 1 placeholder(s) used by the call flow: Due Date',
      });
    });

    it('renders a message without placeholders for destinations without properties', () => {
      const templates = templatesOf(playFlow('Hello there'));
      expect(templates.placeholders).toEqual([]);
      expect(templates.render({})).toEqual({ messages: ['Hello there'] });
    });

    it('renders a property named like a Handlebars built-in helper instead of silently speaking nothing', () => {
      // "a missing property is an error, never an empty string" (message-templates.ts): a present one must not vanish either.
      const { templates, errors } = compileFlow(playFlow('Your code is {{log}}.'));
      const outcome = templates ? templates.render({ log: 'L-42' }) : { compileErrors: errors.map((e) => e.field) };
      expect([{ messages: ['Your code is L-42.'] }, { compileErrors: ['callFlow.steps[0].message.msg'] }]).toContainEqual(outcome);
    });

    it('ignores properties no template uses', () => {
      expect(templatesOf(playFlow('Hi {{name}}')).render({ name: 'A', unused: 'B' })).toEqual({ messages: ['Hi A'] });
    });
  });

  describe('missing placeholders', () => {
    it('names the missing properties', () => {
      const templates = templatesOf(playFlow('Dear {{name}}, pay {{amount}} by {{dueDate}}'));
      expect(templates.render({ amount: '1' })).toEqual({
        error: { field: 'properties', message: 'missing 2 placeholder(s) used by the call flow: name, dueDate' },
      });
    });

    it('lists at most 20 names, with the total count', () => {
      const names = Array.from({ length: 25 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
      const templates = templatesOf(playFlow(names.map((n) => `{{${n}}}`).join(' ')));
      expect(templates.placeholders).toEqual(names);
      const { messages, error } = templates.render({});
      expect(messages).toBeUndefined();
      expect(error).toEqual({
        field: 'properties',
        message: `missing 25 placeholder(s) used by the call flow: ${names.slice(0, 20).join(', ')} and 5 more`,
      });
      expect(error!.message).not.toContain('p21');
    });

    it('lists exactly 20 missing names without "more"', () => {
      const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
      const { error } = templatesOf(playFlow(names.map((n) => `{{${n}}}`).join(''))).render({});
      expect(error!.message).toBe(`missing 20 placeholder(s) used by the call flow: ${names.join(', ')}`);
    });

    it('counts placeholders inside {{#if}} and {{#unless}} blocks, their conditions and their else parts', () => {
      const templates = templatesOf(playFlow('{{#if vip}}Dear {{title}} {{else}}Hi {{nick}} {{/if}}{{name}}{{#unless paid}} pay {{amount}}{{/unless}}'));
      expect(templates.placeholders).toEqual(['vip', 'title', 'nick', 'name', 'paid', 'amount']);
      expect(templates.render({ name: 'Alex' })).toEqual({
        error: { field: 'properties', message: 'missing 5 placeholder(s) used by the call flow: vip, title, nick, paid, amount' },
      });
      const all = { title: 'Dr', nick: 'Al', name: 'Alex', amount: '5$' };
      expect(templates.render({ ...all, vip: true, paid: false })).toEqual({ messages: ['Dear Dr Alex pay 5$'] });
      expect(templates.render({ ...all, vip: false, paid: true })).toEqual({ messages: ['Hi Al Alex'] });
    });

    it('collects placeholders from every message of a nested flow', () => {
      const templates = templatesOf({
        steps: [
          {
            name: 'gather',
            message: { msg: 'Press 1, {{a}}' },
            branches: [{ digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'deep {{b}}' } }] } }],
          },
          { name: 'play', message: { msg: 'last {{c}}' } },
        ],
      });
      expect(templates.placeholders).toEqual(['a', 'b', 'c']);
      expect(templates.render({ a: 'A', c: 'C' }).error!.message).toBe('missing 1 placeholder(s) used by the call flow: b');
    });

    it('refuses a dotted path when the flow is compiled: property values are text, numbers or true/false', () => {
      const { templates, errors } = compileFlow(playFlow('Hi {{customer.name}}'));
      expect(templates).toBeUndefined();
      expect(errors).toEqual([
        { field: 'callFlow.steps[0].message.msg', message: 'is not a valid template: {{customer.name}} reads inside a value; properties are text, numbers or true/false (line 1, column 4)' },
      ]);
    });
  });

  describe('length after rendering', () => {
    it('refuses a message that renders to more than 1000 characters, naming the message', () => {
      const templates = templatesOf(playFlow('short', 'Dear {{name}}'));
      expect(templates.render({ name: 'x'.repeat(995) })).toEqual({ messages: ['short', `Dear ${'x'.repeat(995)}`] });
      expect(templates.render({ name: 'x'.repeat(996) })).toEqual({
        error: { field: 'properties', message: 'callFlow.steps[1].message.msg renders to 1001 characters; at most 1000 are allowed' },
      });
    });
  });

  describe('compile errors', () => {
    it('refuses invalid template syntax at compile time, with the path of the message', () => {
      const { templates, errors } = compileFlow({
        steps: [
          { name: 'play', message: { msg: 'fine {{name}}' } },
          { name: 'play', message: { msg: 'Dear {{#if}}' } },
          {
            name: 'gather',
            message: { msg: 'ok' },
            branches: [{ default: true, callFlow: { steps: [{ name: 'play', message: { msg: '{{#if vip}}unclosed' } }] } }],
          },
        ],
      });
      expect(templates).toBeUndefined();
      expect(errors).toEqual([
        { field: 'callFlow.steps[1].message.msg', message: expect.stringMatching(/^is not a valid template: /) },
        { field: 'callFlow.steps[2].branches[0].callFlow.steps[0].message.msg', message: expect.stringMatching(/^is not a valid template: /) },
      ]);
    });

    it('refuses a built-in block without its argument at compile time, not per destination', () => {
      const { templates, errors } = compileFlow(playFlow('Hi {{#if}}x{{/if}}'));
      expect(templates).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: 'is not a valid template: {{#if}} needs exactly one argument (line 1, column 4)' }]);
    });

    it.each(['{{name', '{{/if}}', '{{#each items}}x{{/if}}', 'Hi {{> header}}'])('refuses %p', (msg) => {
      const { templates, errors } = compileFlow(playFlow(msg));
      expect(templates).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: expect.stringMatching(/^is not a valid template: /) }]);
    });
  });

  describe('helpers (issue 14: what is spoken is what was meant)', () => {
    const refusal = (msg: string) => {
      const { templates, errors } = compileFlow(playFlow('fine', msg));
      expect(templates).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0].field).toBe('callFlow.steps[1].message.msg');
      return errors[0].message;
    };

    it('refuses the issue\'s helper chain, naming the message path', () => {
      expect(refusal('{{#with "constructor"}}{{#with split as |a|}}{{pop (push "x")}}{{/with}}{{/with}}')).toBe(
        'is not a valid template: the argument of {{#with}} must be a property, not string "constructor" (line 1, column 9)',
      );
      expect(refusal('{{#with name}}{{pop (push "x")}}{{/with}}')).toMatch(/^is not a valid template: the helper "pop" is not available; only the blocks/);
    });

    it.each([
      ['{{pop name}}', /the helper "pop" is not available/],
      ['{{name (push "x")}}', /the helper "name" is not available/],
      ['{{lookup (split name) "x"}}', /the helper "split" is not available/],
      ['{{#nosuch name}}x{{/nosuch}}', /\{\{#nosuch\}\} is not available/],
      ['{{#name}}x{{/name}}', /\{\{#name\}\} is not available/],
      ['{{^name}}x{{/name}}', /\{\{#name\}\} is not available/],
      ['{{#lookup this "x"}}y{{/lookup}}', /\{\{#lookup\}\} is not available/],
      ['{{#helperMissing name}}x{{/helperMissing}}', /is not available/],
      ['{{#blockHelperMissing name}}x{{/blockHelperMissing}}', /is not available/],
      ['{{log "x"}}', /the helper "log" is not available/],
      ['{{if name}}', /\{\{if\}\} is a block: write \{\{#if …\}\}…\{\{\/if\}\}/],
      ['{{each this}}', /is a block/],
      ['{{> header}}', /partials \(\{\{> name\}\}\) are not supported/],
      ['{{#> layout}}x{{/layout}}', /partials/],
      ['{{#*inline "x"}}y{{/inline}}', /decorators \(\{\{\* name\}\}\) are not supported/],
      ['{{*decorator}}', /decorators/],
      ['{{{{raw}}}}{{name}}{{{{/raw}}}}', /raw blocks \(\{\{\{\{…\}\}\}\}\) are not supported/],
      ['{{{{if name}}}}x{{{{/if}}}}', /raw blocks/],
      ['{{#each this key="x"}}y{{/each}}', /takes no name=value arguments/],
      ['{{#each 42}}x{{/each}}', /the argument of \{\{#each\}\} must be a property, not number 42/],
      ['{{#if true}}x{{/if}}', /must be a property, not boolean true/],
      ['{{lookup this}}', /lookup needs two arguments/],
      ['{{lookup "x" "length"}}', /the argument of lookup must be a property/],
      ['{{lookup this "constructor"}}', /"constructor" cannot be a property name/],
      ['{{constructor}}', /"constructor" cannot be a property name/],
      ['{{[__proto__]}}', /"__proto__" cannot be a property name/],
      ['{{#if prototype}}x{{/if}}', /"prototype" cannot be a property name/],
      ['{{@root.constructor}}', /"constructor" cannot be a property name/],
      ['{{@foo}}', /@foo is not available/],
      ['{{@root.name.length}}', /reads inside a value/],
      ['{{name.length}}', /reads inside a value/],
      ['{{"name"}}', /is not a property name/],
    ])('refuses %p when the flow is compiled', (msg, reason) => {
      expect(refusal(msg)).toMatch(reason);
    });

    it('renders if, unless, each, with and lookup over the destination\'s own properties', () => {
      const templates = templatesOf(
        playFlow(
          '{{#if vip}}Dear {{name}}{{else}}Hi {{name}}{{/if}}{{#unless paid}}, please pay{{/unless}}.',
          '{{#with name as |n|}}{{n}}{{/with}} owes {{lookup this "Due Amount"}}',
          '{{#each this}}{{@key}}={{this}};{{/each}}',
          '{{lookup @root "name"}} {{#with (lookup this "name")}}{{this}}{{/with}}',
        ),
      );
      expect([...templates.placeholders].sort()).toEqual(['Due Amount', 'name', 'paid', 'vip']);
      expect(templates.render({ vip: false, paid: false, name: 'Ann', 'Due Amount': 200 })).toEqual({
        messages: ['Hi Ann, please pay.', 'Ann owes 200', 'vip=false;paid=false;name=Ann;Due Amount=200;', 'Ann Ann'],
      });
      expect(templates.render({ vip: true, paid: true, name: 'Ann' }).error).toEqual({
        field: 'properties',
        message: 'missing 1 placeholder(s) used by the call flow: Due Amount',
      });
    });

    it('lookup with a computed key is an error for a destination without it, never an empty string', () => {
      const templates = templatesOf(playFlow('{{#each this}}{{lookup @root @key}}{{/each}} and {{lookup this which}}'));
      expect(templates.placeholders).toEqual(['which']);
      expect(templates.render({ which: 'which' })).toEqual({ messages: ['which and which'] });
      expect(templates.render({ which: 'other' }).error).toEqual({
        field: 'properties',
        message: 'cannot render callFlow.steps[0].message.msg: "other" is not one of the destination\'s properties',
      });
    });

    it('reads a name on its own as a property, even a helper\'s name ({{lookup}}, {{log}}, {{if}}, {{helperMissing}})', () => {
      const templates = templatesOf(playFlow('{{lookup}} {{log}} {{if}} {{each}} {{with}} {{unless}} {{helperMissing}} {{[blockHelperMissing]}}'));
      expect(templates.placeholders).toEqual(['lookup', 'log', 'if', 'each', 'with', 'unless', 'helperMissing', 'blockHelperMissing']);
      const properties = Object.fromEntries(templates.placeholders.map((name) => [name, name.toUpperCase()]));
      expect(templates.render(properties)).toEqual({ messages: ['LOOKUP LOG IF EACH WITH UNLESS HELPERMISSING BLOCKHELPERMISSING'] });
      expect(templates.render({ ...properties, log: undefined }).error!.message).toBe('missing 1 placeholder(s) used by the call flow: log');
    });
  });

  describe('values (issue 14)', () => {
    const templates = () => templatesOf(playFlow('Hi {{name}}, you owe {{amount}}; paid: {{paid}}'));

    it('speaks text, numbers and booleans as written', () => {
      expect(templates().render({ name: 'Ann', amount: 200, paid: true })).toEqual({ messages: ['Hi Ann, you owe 200; paid: true'] });
      expect(templates().render({ name: 'Ann', amount: 0, paid: false })).toEqual({ messages: ['Hi Ann, you owe 0; paid: false'] });
      expect(templates().render({ name: 'Ann', amount: -1.5, paid: 'no' })).toEqual({ messages: ['Hi Ann, you owe -1.5; paid: no'] });
    });

    it.each([
      [{ first: 'Ann' }, 'an object'],
      [['Ann'], 'an array'],
      [{}, 'an object'],
    ])('refuses a value that is %p, used or not, naming the property', (value, kind) => {
      expect(templates().render({ name: value, amount: 1, paid: true }).error).toEqual({ field: 'properties.name', message: `must be text, a number or true/false; got ${kind}` });
      expect(templates().render({ name: 'Ann', amount: 1, paid: true, extra: value }).error).toEqual({ field: 'properties.extra', message: `must be text, a number or true/false; got ${kind}` });
    });

    it('refuses a reserved property name, used or not', () => {
      for (const name of ['__proto__', 'constructor', 'prototype']) {
        const properties = JSON.parse(`{"name": "Ann", "amount": 1, "paid": true, "${name}": "x"}`);
        expect(templates().render(properties).error).toEqual({ field: `properties.${name}`, message: 'is a reserved name; rename it' });
      }
    });
  });

  describe('nothing to say (issue 14)', () => {
    it.each([
      ['{{name}}', { name: '' }, 'empty text'],
      ['{{name}}', { name: '   ' }, 'only whitespace'],
      ['{{name}} {{amount}}', { name: '\t', amount: '\n' }, 'only whitespace'],
      ['{{name}}', { name: '\u200b\ufeff\u00a0' }, 'only whitespace'],
      ['{{#if vip}}Dear customer{{/if}}', { vip: false }, 'empty text'],
      ['{{#each this}}{{/each}}', { a: 'x' }, 'empty text'],
      ['{{#unless paid}}pay{{/unless}} {{! nothing }}', { paid: true }, 'only whitespace'],
    ])('%p with %p is refused, naming the message', (msg, properties, what) => {
      const templates = templatesOf(playFlow('Hello', msg));
      expect(templates.render(properties)).toEqual({
        error: { field: 'properties', message: `callFlow.steps[1].message.msg renders to ${what}: the callee would hear nothing` },
      });
    });

    it('accepts a message with something to say for one destination and refuses it for another', () => {
      const templates = templatesOf(playFlow('{{#if vip}}Dear customer{{/if}}'));
      expect(templates.render({ vip: true })).toEqual({ messages: ['Dear customer'] });
      expect(templates.render({ vip: false }).error!.message).toMatch(/renders to empty text/);
    });
  });

  describe('messagePathsOf', () => {
    it('names every message of a stored flow as submission does', () => {
      const { result } = normalizeCallFlow(SEED_EXAMPLE.callFlow);
      expect(messagePathsOf(result!.flow)).toEqual(result!.messagePaths);
    });
  });

  describe('listMessages', () => {
    it('lists the messages in messageIndex order', () => {
      const { result } = normalizeCallFlow(SEED_EXAMPLE.callFlow);
      expect(listMessages(result!.flow).map((m) => [m.messageIndex, m.msg])).toEqual([
        [0, 'thanks {{name}}'],
        [1, 'Dear Mr {{name}}, the amount of {{amount}} will be due on {{dueDate}}'],
        [2, 'message need to play'],
        [3, 'msg need to play'],
      ]);
    });
  });
});
