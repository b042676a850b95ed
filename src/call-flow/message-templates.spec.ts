import { SEED_EXAMPLE } from '../../test/support/seed-example';
import { FlowTemplates, listMessages } from './message-templates';
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

    it('requires only the top-level name of a dotted path, and reports a missing nested field as a render error', () => {
      const templates = templatesOf(playFlow('Hi {{customer.name}}'));
      expect(templates.placeholders).toEqual(['customer']);
      expect(templates.render({ customer: { name: 'Ann' } })).toEqual({ messages: ['Hi Ann'] });
      const { error } = templates.render({ customer: {} });
      expect(error).toEqual({ field: 'properties', message: expect.stringContaining('cannot render callFlow.steps[0].message.msg') });
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
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: 'is not a valid template: {{#if}} needs exactly one argument' }]);
    });

    it.each(['{{name', '{{/if}}', '{{#each items}}x{{/if}}', 'Hi {{> header}}'])('refuses %p', (msg) => {
      const { templates, errors } = compileFlow(playFlow(msg));
      expect(templates).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: expect.stringMatching(/^is not a valid template: /) }]);
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
