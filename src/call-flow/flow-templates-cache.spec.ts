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
});
