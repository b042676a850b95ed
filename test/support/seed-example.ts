/** The contract's own example body (../shared/seeds/robo-call-api.txt), verbatim. */
export const SEED_EXAMPLE = {
  requestId: 'request_10',
  destinations: [
    { phone: '+84917660247', caller: '+6582674904', properties: { name: 'Alex', dueDate: 'August 20th, 2020', amount: '200,000$' } },
    { phone: '+84912860330', caller: '+6582674904', properties: { name: 'Alex', dueDate: 'August 20th, 2020', amount: '200,000$' } },
  ],
  enableCallRecording: true,
  callFlow: {
    steps: [
      { name: 'play', message: { msg: 'thanks {{name}}', lang: 'en', gender: 'male' } },
      {
        name: 'gather',
        message: { msg: 'Dear Mr {{name}}, the amount of {{amount}} will be due on {{dueDate}}' },
        branches: [
          {
            digit: '1',
            default: 'false',
            callFlow: {
              steps: [
                {
                  name: 'gather',
                  message: { msg: 'message need to play', lang: 'en', gender: 'female' },
                  branches: [{ default: 'true', callFlow: { steps: [{ name: 'play', message: { msg: 'msg need to play' } }] } }],
                },
              ],
            },
          },
          { digit: '0', default: 'true', callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
        ],
      },
    ],
  },
};
