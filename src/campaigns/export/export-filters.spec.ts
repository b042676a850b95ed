import { CallFlow } from '../../call-flow/call-flow.types';
import { FieldValidationException } from '../../common/api-error';
import { exportCondition, exportLink, flowStepPaths } from './export-filters';

const message = (msg: string) => ({ msg, messageIndex: 0 });
const FLOW: CallFlow = {
  steps: [
    { name: 'play', message: message('hi') },
    {
      name: 'gather',
      message: message('press'),
      maxRetries: 2,
      branches: [
        { digit: '1', default: false, callFlow: { steps: [{ name: 'transfer', destination: '+6588880000' }] } },
        { default: true, callFlow: { steps: [{ name: 'record', maxLength: 10, timeout: 3, endKey: '#', beep: true, transcribe: false, transcribeLocale: 'en-US' }] } },
      ],
    },
  ],
};

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof FieldValidationException) return (error.getResponse() as { errors: { field: string }[] }).errors.map((e) => e.field);
    throw error;
  }
  return [];
};

describe('export filters', () => {
  it('lists the steps in flow order with the paths step results write', () => {
    expect(flowStepPaths(FLOW).map((s) => [s.path, s.name, s.depth, s.branchOf])).toEqual([
      ['steps[0]', 'play', 0, null],
      ['steps[1]', 'gather', 0, null],
      ['steps[1].branches[0].steps[0]', 'transfer', 1, { step: 'steps[1]', branchIndex: 0 }],
      ['steps[1].branches[1].steps[0]', 'record', 1, { step: 'steps[1]', branchIndex: 1 }],
    ]);
  });

  it('turns a box into one condition on its step and counters, parameters numbered after the query’s own', () => {
    const condition = exportCondition({ step: 'steps[1]', key: '' }, FLOW, 5);
    expect(condition.params).toEqual(['steps[1]', ['key:']]);
    expect(condition.sql).toContain("s.step ->> 'path' = $5");
    expect(condition.sql).toContain('@> $6::text[]');
    expect(exportCondition({}, FLOW, 5)).toEqual({ sql: 'true', params: [] });
    expect(exportCondition({ step: 'steps[0]' }, FLOW, 1).params).toEqual(['steps[0]', ['reached']]);
    expect(exportCondition({ optedOut: 'true', callStatus: 'answered' }, FLOW, 1)).toEqual({
      sql: expect.stringMatching(/^EXISTS .* AND c\.call_status = \$2$/s),
      params: [['optOut'], 'answered'],
    });
  });

  it('refuses filters that do not fit the flow, naming each field', () => {
    expect(fieldsOf(() => exportCondition({ step: 'steps[9]' }, FLOW, 1))).toEqual(['step']);
    expect(fieldsOf(() => exportCondition({ key: '1' }, FLOW, 1))).toEqual(['key']);
    expect(fieldsOf(() => exportCondition({ step: 'steps[0]', key: '1', transfer: 'busy' }, FLOW, 1))).toEqual(['key', 'transfer']);
    expect(fieldsOf(() => exportCondition({ step: 'steps[1].branches[0].steps[0]', recorded: 'true' }, FLOW, 1))).toEqual(['recorded']);
    expect(fieldsOf(() => exportCondition({ step: 'steps[0]', optedOut: 'true' }, FLOW, 1))).toEqual(['optedOut']);
    expect(fieldsOf(() => exportCondition({ step: 'steps[1].branches[1].steps[0]', transcribed: 'true' }, FLOW, 1))).toEqual([]);
  });

  it('builds relative links with the path encoded', () => {
    expect(exportLink('a b', { step: 'steps[1]', key: '' })).toBe('/status/a%20b/export.csv?step=steps%5B1%5D&key=');
    expect(exportLink('r', { step: 'steps[1]', key: '#' })).toBe('/status/r/export.csv?step=steps%5B1%5D&key=%23');
    expect(exportLink('r', {})).toBe('/status/r/export.csv');
  });
});
