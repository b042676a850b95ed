import { FlowTemplates } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';

/** Found by the hostile-input corpus: names of Object.prototype rendered as nothing instead of being missing. */
function render(msg: string, properties: Record<string, unknown>) {
  const { result } = normalizeCallFlow({ steps: [{ name: 'play', message: { msg } }] });
  const { templates, errors } = FlowTemplates.compile(result!.flow, result!.messagePaths);
  expect(errors).toEqual([]);
  return templates!.render(properties);
}

describe('FlowTemplates and prototype names', () => {
  it.each(['{{constructor}}', '{{__proto__}}', '{{toString}}', '{{this.constructor}}', '{{[__proto__]}}', '{{#if constructor}}y{{/if}}', '{{#with constructor}}{{name}}{{/with}}'])(
    '%s is a missing placeholder when the destination has no such property',
    (placeholder) => {
      expect(render(`Hi ${placeholder}`, { name: 'Alex' }).error?.message).toMatch(/^missing 1 placeholder\(s\) used by the call flow: (constructor|__proto__|toString)$/);
    },
  );

  it.each(['{{@root.constructor}}', '{{#with this}}{{toString}}{{/with}}', '{{this}}'])('%s cannot be rendered rather than being spoken as nothing', (template) => {
    expect(render(`Hi ${template}`, { name: 'Alex' }).error?.message).toMatch(/^cannot render callFlow\.steps\[0\]\.message\.msg/);
  });

  it('renders such names when the destination has them as its own properties', () => {
    const properties = JSON.parse('{"constructor": "C", "__proto__": "P", "toString": "T"}');
    expect(render('{{constructor}} {{__proto__}} {{toString}} {{@root.constructor}}', properties)).toEqual({ messages: ['C P T C'] });
  });
});
