import { seededRandom } from '../../bench/support/stats';
import { CallFlow, FLOW_LIMITS } from './call-flow.types';
import { FlowTemplates, messagePathsOf } from './message-templates';

/**
 * check() judges a message of text and bare placeholders from its parts without rendering it; render()
 * renders it. Whatever the properties, both must give the same verdict and the same error.
 */
describe('FlowTemplates.check gives render\'s verdict', () => {
  const random = seededRandom(20261204);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  // Pieces that matter to the verdict: spaces and invisible characters (nothing to say), surrogate halves,
  // astral characters, long runs (the length limit), and ordinary words.
  const PIECES = ['', ' ', '\t', '\n', '\u200b', '\ufeff', '\u00a0', 'a', 'Ann', '200,000$', '😀', '\ud83d', '\ude00', '\udb40', '\udc01', '{', '}', 'x'.repeat(300)];
  const text = () => Array.from({ length: Math.floor(random() * 4) }, () => pick(PIECES)).join('');
  const NAMES = ['name', 'amount', 'Due Date', 'lookup', 'if'];
  const placeholder = (name: string) => (name.includes(' ') ? `{{[${name}]}}` : `{{${name}}}`);
  const template = () => {
    let source = '';
    for (let i = Math.floor(random() * 5); i >= 0; i--) source += random() < 0.5 ? text().replace(/[{}\\]/g, '') : placeholder(pick(NAMES));
    return source.trim() === '' ? `${source}{{name}}` : source;
  };
  const value = () => {
    const r = random();
    if (r < 0.1) return Math.floor(random() * 2000) - 1000;
    if (r < 0.15) return random() < 0.5;
    if (r < 0.2) return 1e21;
    return text();
  };

  it('on 20,000 generated templates and destinations, plain and not', () => {
    let plainSeen = 0;
    let refused = 0;
    for (let run = 0; run < 2000; run++) {
      const sources = [template(), template(), random() < 0.3 ? `{{#if name}}${template()}{{/if}}` : template()];
      const flow: CallFlow = { steps: sources.map((msg, messageIndex) => ({ name: 'play' as const, message: { msg, messageIndex } })) };
      const { templates, errors } = FlowTemplates.compile(flow, messagePathsOf(flow));
      expect(errors).toEqual([]);
      plainSeen += sources.filter((s) => !s.includes('{{#')).length;
      for (let i = 0; i < 10; i++) {
        const properties = Object.fromEntries(NAMES.filter(() => random() < 0.95).map((name) => [name, value()]));
        const rendered = templates!.render(properties);
        expect(templates!.check(properties)).toEqual(rendered.error);
        if (rendered.error) refused++;
      }
    }
    // The generator reaches both verdicts, and mostly plain messages.
    expect(refused).toBeGreaterThan(2000);
    expect(refused).toBeLessThan(18_000);
    expect(plainSeen).toBeGreaterThan(4000);
  });

  it('at the length limit exactly, and one character past it', () => {
    const flow: CallFlow = { steps: [{ name: 'play', message: { msg: 'Dear {{name}}', messageIndex: 0 } }] };
    const { templates } = FlowTemplates.compile(flow, messagePathsOf(flow));
    const fits = { name: 'x'.repeat(FLOW_LIMITS.maxMessageLength - 'Dear '.length) };
    const over = { name: `${fits.name}x` };
    expect(templates!.check(fits)).toBeUndefined();
    expect(templates!.check(over)).toEqual(templates!.render(over).error);
    expect(templates!.check(over)?.message).toContain(`renders to ${FLOW_LIMITS.maxMessageLength + 1} characters`);
  });

  it('a surrogate pair split between the text and a value (U+E0001, an invisible format character) says nothing', () => {
    const flow: CallFlow = { steps: [{ name: 'play', message: { msg: ' \udb40{{name}}', messageIndex: 0 } }] };
    const { templates } = FlowTemplates.compile(flow, messagePathsOf(flow));
    const properties = { name: '\udc01 ' };
    expect(templates!.render(properties).error?.message).toContain('only whitespace');
    expect(templates!.check(properties)).toEqual(templates!.render(properties).error);
  });
});
