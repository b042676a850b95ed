import { normalizeCallFlow } from './normalize-call-flow';
import { platformFlowErrors } from './platform-flow-check';

const limits = { platform: 'MessageBird classic', transcribeLocales: ['en-US', 'nl-NL'], recordEndKeys: ['#', '*'] };
const flowOf = (raw: unknown) => normalizeCallFlow(raw).result!.flow;

describe('platformFlowErrors', () => {
  it('names each record option the platform cannot honour, with its path and the platform, in branches too', () => {
    const flow = flowOf({
      steps: [
        { name: 'record', endKey: '5' },
        {
          name: 'gather',
          message: { msg: 'press 1' },
          branches: [{ digit: '1', callFlow: { steps: [{ name: 'record', transcribe: true, transcribeLocale: 'ja-JP' }] } }],
        },
      ],
    });
    expect(platformFlowErrors(flow, limits)).toEqual([
      { field: 'callFlow.steps[0].endKey', message: 'MessageBird classic cannot end a recording with "5"; it can with #, *' },
      { field: 'callFlow.steps[1].branches[0].callFlow.steps[0].transcribeLocale', message: 'MessageBird classic cannot transcribe ja-JP; it transcribes en-US, nl-NL' },
    ]);
  });

  it('ignores the locale of a step that asks for no transcription, and passes what the platform can do', () => {
    expect(platformFlowErrors(flowOf({ steps: [{ name: 'record', transcribeLocale: 'ja-JP' }, { name: 'record', endKey: '*', transcribe: true, transcribeLocale: 'nl-NL' }] }), limits)).toEqual([]);
  });
});
