import { normalizeCallFlow } from '../call-flow/normalize-call-flow';
import { fieldPathOf, previewCallFlow, previewKeyErrors } from './call-flow-preview';

describe('previewCallFlow', () => {
  const flowOf = (raw: unknown) => normalizeCallFlow(raw).result!.flow;

  it('names steps with the field paths of validation errors', () => {
    expect(fieldPathOf([0])).toBe('callFlow.steps[0]');
    expect(fieldPathOf([1, 0, 2])).toBe('callFlow.steps[1].branches[0].callFlow.steps[2]');
    expect(fieldPathOf([1, 2, 0, 1, 3])).toBe('callFlow.steps[1].branches[2].callFlow.steps[0].branches[1].callFlow.steps[3]');
  });

  it('checks each key', () => {
    expect(previewKeyErrors(['', '1', '*', '#'])).toEqual([]);
    expect(previewKeyErrors(['a', null]).map((e) => e.field)).toEqual(['keys[0]', 'keys[1]']);
    expect(previewKeyErrors(new Array(1001).fill(''))).toEqual([{ field: 'keys', message: 'must hold at most 1000 keys' }]);
  });

  it('runs nested gathers with the keys in order, one per prompt', async () => {
    const flow = flowOf({
      steps: [
        {
          name: 'gather',
          maxRetries: 2,
          message: { msg: 'outer' },
          branches: [{ digit: '1', callFlow: { steps: [{ name: 'gather', maxRetries: 1, message: { msg: 'inner' }, branches: [{ default: true, optOut: true }] }] } }],
        },
      ],
    });
    const preview = await previewCallFlow(flow, ['outer', 'inner'], ['2', '1', '5', 'unused']);
    expect(preview.steps.map((s) => [s.path, s.prompts!.map((p) => `${p.key}:${p.result}`), s.branch?.path ?? null, s.optOut])).toEqual([
      ['callFlow.steps[0]', ['2:reprompt', '1:follow'], 'callFlow.steps[0].branches[0]', false],
      ['callFlow.steps[0].branches[0].callFlow.steps[0]', ['5:follow'], 'callFlow.steps[0].branches[0].callFlow.steps[0].branches[0]', true],
    ]);
    expect(preview.outcome).toEqual({ endedBy: 'end_of_flow', description: expect.any(String), optOut: true, keysUsed: 3, unusedKeys: ['unused'] });
  });
});
