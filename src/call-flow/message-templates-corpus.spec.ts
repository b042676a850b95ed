import { HANDLEBARS_TRICKS } from '../../test/support/hostile-corpus';
import { SEED_EXAMPLE } from '../../test/support/seed-example';
import { FlowTemplates } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';

/**
 * The hostile corpus's Handlebars tricks carry verdicts written from the README's rules (issue 14); this checks
 * the templates agree with every one, for the seed's destinations, without going through HTTP.
 */
describe('FlowTemplates and the hostile corpus\'s Handlebars tricks', () => {
  it.each(HANDLEBARS_TRICKS.map(({ msg, verdict }) => [verdict, msg]))('%s: %p', (verdict, msg) => {
    const { result, errors } = normalizeCallFlow({ steps: [{ name: 'play', message: { msg } }] });
    if (!result) {
      expect([verdict, errors]).toEqual(['compile', expect.any(Array)]);
      return;
    }
    const compiled = FlowTemplates.compile(result.flow, result.messagePaths);
    if (verdict === 'compile') {
      expect(compiled.errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: expect.stringMatching(/^is not a valid template: /) }]);
      return;
    }
    expect(compiled.errors).toEqual([]);
    const outcomes = SEED_EXAMPLE.destinations.map((d: { properties: Record<string, unknown> }) => compiled.templates!.render(d.properties));
    if (verdict === 'render') outcomes.forEach((o: { error?: unknown }) => expect(o.error).toEqual({ field: 'properties', message: expect.any(String) }));
    else outcomes.forEach((o: { messages?: string[] }) => expect(o.messages).toHaveLength(1));
  });
});
