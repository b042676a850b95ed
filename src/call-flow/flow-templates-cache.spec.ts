import { CallFlow } from './call-flow.types';
import { FlowTemplatesCache } from './flow-templates-cache';
import { FlowTemplates } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';

const flow = (msg: string): CallFlow => normalizeCallFlow({ steps: [{ name: 'play', message: { msg } }] }).result!.flow;

describe('FlowTemplatesCache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('compiles a campaign once and renders each destination from it', () => {
    const compile = jest.spyOn(FlowTemplates, 'compile');
    const cache = new FlowTemplatesCache();
    const a = flow('Hello {{name}}');
    expect(cache.get('campaign-a', a).render({ name: 'Alex' }).messages).toEqual(['Hello Alex']);
    expect(cache.get('campaign-a', a).render({ name: "O'Brien & Sons" }).messages).toEqual(["Hello O'Brien & Sons"]);
    expect(cache.get('campaign-b', flow('Bye {{name}}')).render({ name: 'Alex' }).messages).toEqual(['Bye Alex']);
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('refuses a stored flow that does not compile, rather than dial with broken messages', () => {
    expect(() => new FlowTemplatesCache().get('broken', flow('Hello {{#if name}}'))).toThrow(/does not compile/);
  });

  it('renders for MessageBird by the rules of submission: refused helpers, non-text values and empty messages (issue 14)', () => {
    const cache = new FlowTemplatesCache();
    expect(() => cache.get('helper', flow('{{#with "constructor"}}{{#with split as |a|}}{{pop (push "x")}}{{/with}}{{/with}}'))).toThrow(
      /does not compile: callFlow\.steps\[0\]\.message\.msg is not a valid template/,
    );
    const templates = cache.get('values', flow('{{#if vip}}Dear {{name}}{{/if}}'));
    expect(templates.render({ vip: true, name: { first: 'Ann' } }).error).toEqual({ field: 'properties.name', message: 'must be text, a number or true/false; got an object' });
    expect(templates.render({ vip: false, name: 'Ann' }).error).toEqual({
      field: 'properties',
      message: 'callFlow.steps[0].message.msg renders to empty text: the callee would hear nothing',
    });
    expect(templates.render({ vip: true, name: 'Ann' })).toEqual({ messages: ['Dear Ann'] });
  });
});
