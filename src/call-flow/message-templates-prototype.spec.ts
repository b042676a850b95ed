import { FlowTemplates } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';

/** Found by the hostile-input corpus: names of Object.prototype rendered as nothing instead of being missing. */
function compile(msg: string) {
  const { result } = normalizeCallFlow({ steps: [{ name: 'play', message: { msg } }] });
  return FlowTemplates.compile(result!.flow, result!.messagePaths);
}

function render(msg: string, properties: Record<string, unknown>) {
  const { templates, errors } = compile(msg);
  expect(errors).toEqual([]);
  return templates!.render(properties);
}

describe('FlowTemplates and prototype names', () => {
  it.each(['{{constructor}}', '{{__proto__}}', '{{prototype}}', '{{this.constructor}}', '{{[__proto__]}}', '{{#if constructor}}y{{/if}}', '{{#with constructor}}{{name}}{{/with}}', '{{@root.constructor}}', '{{lookup this "__proto__"}}'])(
    '%s is refused when the flow is compiled: no destination may have such a property (issue 14)',
    (placeholder) => {
      const { templates, errors } = compile(`Hi ${placeholder}`);
      expect(templates).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: expect.stringMatching(/^is not a valid template: "(constructor|__proto__|prototype)" cannot be a property name/) }]);
    },
  );

  it.each(['{{toString}}', '{{valueOf}}', '{{hasOwnProperty}}', '{{#if toString}}y{{/if}}', '{{lookup this "toString"}}'])('%s is a missing placeholder when the destination has no such property', (placeholder) => {
    expect(render(`Hi ${placeholder}`, { name: 'Alex' }).error?.message).toMatch(/^missing 1 placeholder\(s\) used by the call flow: (toString|valueOf|hasOwnProperty)$/);
  });

  it.each(['{{@root.toString}}', '{{#with this}}{{toString}}{{/with}}', '{{this}}', '{{#each this}}{{lookup @root "toString"}}{{/each}}'])('%s cannot be rendered rather than being spoken as nothing', (template) => {
    expect(render(`Hi ${template}`, { name: 'Alex' }).error?.message).toMatch(/^cannot render callFlow\.steps\[0\]\.message\.msg/);
  });

  it('renders names of Object.prototype when the destination has them as its own properties', () => {
    const properties = JSON.parse('{"toString": "T", "valueOf": "V"}');
    expect(render('{{toString}} {{valueOf}} {{@root.toString}} {{lookup this "valueOf"}}', properties)).toEqual({ messages: ['T V T V'] });
  });
});
