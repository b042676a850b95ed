import { SEED_EXAMPLE } from '../../test/support/seed-example';
import { FLOW_LIMITS, GatherStep } from './call-flow.types';
import { normalizeCallFlow } from './normalize-call-flow';

type Raw = Record<string, any>;

const play = (msg = 'hello', extra: Raw = {}): Raw => ({ name: 'play', message: { msg, ...extra } });
const gather = (branches: unknown, extra: Raw = {}): Raw => ({ name: 'gather', message: { msg: 'press a key' }, branches, ...extra });
const transfer = (destination: unknown): Raw => ({ name: 'transfer', destination });

/** Normalizes a flow that must be valid and returns it. */
function accepted(raw: unknown) {
  const { result, errors } = normalizeCallFlow(raw);
  expect(errors).toEqual([]);
  expect(result).toBeDefined();
  return result!;
}

/** The fields named by the errors of a flow that must be refused. */
function refusedFields(raw: unknown): string[] {
  const { result, errors } = normalizeCallFlow(raw);
  expect(result).toBeUndefined();
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) expect(typeof error.message).toBe('string');
  return errors.map((e) => e.field);
}

/** A flow nested `levels` callFlow levels deep (the top-level flow is level 1). */
function nested(levels: number): Raw {
  let flow: Raw = { steps: [play('innermost')] };
  for (let level = levels - 1; level >= 1; level--) flow = { steps: [gather([{ digit: '1', callFlow: flow }])] };
  return flow;
}

describe('normalizeCallFlow', () => {
  describe('the seed example', () => {
    it('normalizes the contract example: "false"/"true" strings become booleans, lang becomes language, maxRetries defaults to 3', () => {
      const { flow, messagePaths } = accepted(SEED_EXAMPLE.callFlow);
      expect(flow).toStrictEqual({
        steps: [
          { name: 'play', message: { msg: 'thanks {{name}}', language: 'en', gender: 'male', messageIndex: 0 } },
          {
            name: 'gather',
            message: { msg: 'Dear Mr {{name}}, the amount of {{amount}} will be due on {{dueDate}}', messageIndex: 1 },
            maxRetries: 3,
            branches: [
              {
                digit: '1',
                default: false,
                callFlow: {
                  steps: [
                    {
                      name: 'gather',
                      message: { msg: 'message need to play', language: 'en', gender: 'female', messageIndex: 2 },
                      maxRetries: 3,
                      branches: [{ default: true, callFlow: { steps: [{ name: 'play', message: { msg: 'msg need to play', messageIndex: 3 } }] } }],
                    },
                  ],
                },
              },
              { digit: '0', default: true, callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
            ],
          },
        ],
      });
      expect(messagePaths).toEqual([
        'callFlow.steps[0].message.msg',
        'callFlow.steps[1].message.msg',
        'callFlow.steps[1].branches[0].callFlow.steps[0].message.msg',
        'callFlow.steps[1].branches[0].callFlow.steps[0].branches[0].callFlow.steps[0].message.msg',
      ]);
    });

    it('does not modify the submitted document', () => {
      const copy = JSON.parse(JSON.stringify(SEED_EXAMPLE.callFlow));
      normalizeCallFlow(copy);
      expect(copy).toEqual(SEED_EXAMPLE.callFlow);
    });
  });

  describe('language', () => {
    it('accepts "language" as well as "lang"', () => {
      expect(accepted({ steps: [play('a', { language: 'en-GB' })] }).flow.steps[0]).toStrictEqual({
        name: 'play',
        message: { msg: 'a', language: 'en-GB', messageIndex: 0 },
      });
      expect(accepted({ steps: [play('a', { lang: 'vi' })] }).flow.steps[0]).toStrictEqual({
        name: 'play',
        message: { msg: 'a', language: 'vi', messageIndex: 0 },
      });
    });

    it('accepts both when they agree', () => {
      expect((accepted({ steps: [play('a', { language: 'en', lang: 'en' })] }).flow.steps[0] as any).message.language).toBe('en');
    });

    it('refuses "language" and "lang" that disagree', () => {
      const { result, errors } = normalizeCallFlow({ steps: [play('a', { language: 'en', lang: 'fr' })] });
      expect(result).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.language', message: expect.stringContaining('disagree') }]);
    });

    it('refuses something that is not a language code, naming the key that was sent', () => {
      expect(refusedFields({ steps: [play('a', { lang: 'english please' })] })).toEqual(['callFlow.steps[0].message.lang']);
      expect(refusedFields({ steps: [play('a', { language: 42 })] })).toEqual(['callFlow.steps[0].message.language']);
    });
  });

  describe('flow and step shape', () => {
    it('refuses a callFlow that is not an object, steps that are not an array, and an empty top-level flow', () => {
      expect(refusedFields('steps')).toEqual(['callFlow']);
      expect(refusedFields([play()])).toEqual(['callFlow']);
      expect(refusedFields({ steps: 'play' })).toEqual(['callFlow.steps']);
      expect(refusedFields({ steps: [] })).toEqual(['callFlow.steps']);
    });

    it('names an unknown step name with its path', () => {
      const { errors } = normalizeCallFlow({ steps: [{ name: 'dial', message: { msg: 'x' } }, play()] });
      expect(errors).toEqual([{ field: 'callFlow.steps[0].name', message: expect.stringContaining('"dial"') }]);
      expect(refusedFields({ steps: [play(), { message: { msg: 'no name' } }] })).toEqual(['callFlow.steps[1].name']);
      expect(refusedFields({ steps: [play(), 'play'] })).toEqual(['callFlow.steps[1]']);
    });

    it('lists every error of a flow, not just the first', () => {
      const fields = refusedFields({
        steps: [{ name: 'dial' }, play(''), transfer('12ab'), gather([{ digit: 'x' }])],
      });
      expect(fields).toEqual(['callFlow.steps[0].name', 'callFlow.steps[1].message.msg', 'callFlow.steps[2].destination', 'callFlow.steps[3].branches[0].digit']);
    });
  });

  describe('gather branches', () => {
    it('refuses a gather without branches', () => {
      expect(refusedFields({ steps: [play(), { name: 'gather', message: { msg: 'press' } }] })).toEqual(['callFlow.steps[1].branches']);
      expect(refusedFields({ steps: [play(), gather([])] })).toEqual(['callFlow.steps[1].branches']);
      expect(refusedFields({ steps: [play(), gather({ digit: '1' })] })).toEqual(['callFlow.steps[1].branches']);
    });

    it('refuses a second default branch', () => {
      const { errors } = normalizeCallFlow({
        steps: [play(), gather([{ digit: '1', default: true }, { digit: '2', default: 'true' }])],
      });
      expect(errors).toEqual([{ field: 'callFlow.steps[1].branches[1].default', message: expect.stringContaining('branches[0]') }]);
    });

    it('refuses a digit used by two branches', () => {
      const { errors } = normalizeCallFlow({ steps: [play(), gather([{ digit: '1' }, { digit: '2' }, { digit: '1' }])] });
      expect(errors).toEqual([{ field: 'callFlow.steps[1].branches[2].digit', message: expect.stringContaining('branches[0]') }]);
    });

    it('refuses the same digit given once as a number and once as a string', () => {
      expect(refusedFields({ steps: [gather([{ digit: 1 }, { digit: '1' }])] })).toEqual(['callFlow.steps[0].branches[1].digit']);
    });

    it.each(['12', 'a', '10', '-1', ' 1', '**', '1#', 'one', 12, true])('refuses the digit %p', (digit) => {
      const { errors } = normalizeCallFlow({ steps: [play(), gather([{ digit, callFlow: { steps: [play()] } }])] });
      expect(errors).toEqual([{ field: 'callFlow.steps[1].branches[0].digit', message: expect.stringContaining('0-9, * or #') }]);
    });

    it('accepts each of 0-9, * and #, and a single-digit number', () => {
      const keys = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
      const flow = accepted({ steps: [gather(keys.map((digit) => ({ digit })))] }).flow;
      expect((flow.steps[0] as GatherStep).branches.map((b) => b.digit)).toEqual(keys);
      const numeric = accepted({ steps: [gather([{ digit: 7 }])] }).flow;
      expect((numeric.steps[0] as GatherStep).branches[0]).toStrictEqual({ digit: '7', default: false, callFlow: { steps: [] } });
    });

    it('refuses a branch with neither a digit nor "default": true', () => {
      expect(refusedFields({ steps: [play(), gather([{ callFlow: { steps: [play()] } }])] })).toEqual(['callFlow.steps[1].branches[0]']);
      expect(refusedFields({ steps: [play(), gather([{ default: 'false' }])] })).toEqual(['callFlow.steps[1].branches[0]']);
      expect(refusedFields({ steps: [play(), gather([{ digit: '', default: false }])] })).toEqual(['callFlow.steps[1].branches[0]']);
    });

    it('accepts a default branch without a digit, and a default branch that also has a digit', () => {
      const flow = accepted({ steps: [gather([{ digit: '1' }, { digit: '0', default: 'true', callFlow: { steps: [transfer('Ext:1000')] } }])] }).flow;
      expect((flow.steps[0] as GatherStep).branches).toStrictEqual([
        { digit: '1', default: false, callFlow: { steps: [] } },
        { digit: '0', default: true, callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
      ]);
      const onlyDefault = accepted({ steps: [gather([{ default: true }])] }).flow;
      expect((onlyDefault.steps[0] as GatherStep).branches).toStrictEqual([{ default: true, callFlow: { steps: [] } }]);
    });

    it('refuses a "default" that is not a boolean', () => {
      expect(refusedFields({ steps: [gather([{ digit: '1', default: 'yes' }])] })).toEqual(['callFlow.steps[0].branches[0].default']);
    });

    it('refuses a branch that is not an object', () => {
      expect(refusedFields({ steps: [gather(['1'])] })).toEqual(['callFlow.steps[0].branches[0]']);
    });
  });

  describe('messages', () => {
    it.each([
      ['missing', { gender: 'male' }],
      ['empty', { msg: '' }],
      ['blank', { msg: '   ' }],
      ['not a string', { msg: 42 }],
      ['over 1000 characters', { msg: 'x'.repeat(1001) }],
    ])('refuses a msg that is %s', (_label, message) => {
      const { result, errors } = normalizeCallFlow({ steps: [{ name: 'play', message }] });
      expect(result).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow.steps[0].message.msg', message: expect.any(String) }]);
    });

    it('says how long an over-long msg is', () => {
      const { errors } = normalizeCallFlow({ steps: [play('x'.repeat(1001))] });
      expect(errors[0].message).toContain('1001');
      expect(errors[0].message).toContain('1000');
    });

    it('accepts a msg of exactly 1000 characters', () => {
      const flow = accepted({ steps: [play('x'.repeat(FLOW_LIMITS.maxMessageLength))] }).flow;
      expect((flow.steps[0] as any).message.msg).toHaveLength(1000);
    });

    it('refuses a gather message or a missing message with its path', () => {
      expect(refusedFields({ steps: [{ name: 'play' }] })).toEqual(['callFlow.steps[0].message']);
      expect(refusedFields({ steps: [play(), { name: 'gather', message: { msg: '' }, branches: [{ default: true }] }] })).toEqual([
        'callFlow.steps[1].message.msg',
      ]);
    });

    it('accepts gender male and female and refuses anything else', () => {
      expect((accepted({ steps: [play('a', { gender: 'female' })] }).flow.steps[0] as any).message.gender).toBe('female');
      expect((accepted({ steps: [play('a', { gender: 'male' })] }).flow.steps[0] as any).message.gender).toBe('male');
      expect(refusedFields({ steps: [play('a', { gender: 'robot' })] })).toEqual(['callFlow.steps[0].message.gender']);
      expect(refusedFields({ steps: [play('a', { gender: 'Male' })] })).toEqual(['callFlow.steps[0].message.gender']);
    });

    it.each(['pitch', 'rate'])('accepts %s from 0 to 9, also as a numeric string', (key) => {
      for (const [value, expected] of [[0, 0], [9, 9], ['7', 7]] as const) {
        const message = (accepted({ steps: [play('a', { [key]: value })] }).flow.steps[0] as any).message;
        expect(message[key]).toBe(expected);
      }
    });

    it.each(['pitch', 'rate'])('refuses %s outside 0-9 or not an integer', (key) => {
      for (const value of [-1, 10, 4.5, 'high', '', true]) {
        const { errors } = normalizeCallFlow({ steps: [play('a', { [key]: value })] });
        expect(errors).toEqual([{ field: `callFlow.steps[0].message.${key}`, message: expect.stringContaining('0 to 9') }]);
      }
    });

    it.each(['pitch', 'rate'])('never silently drops a step whose %s is null', (key) => {
      // null is "not given" everywhere else (maxRetries: null means the default); either accept the step
      // without the setting, or refuse it naming the field. Dropping the step without an error is wrong.
      const { result, errors } = normalizeCallFlow({ steps: [play('first', { [key]: null }), play('second')] });
      const outcome = result ? result.flow.steps.map((s: any) => s.message.msg) : errors.map((e) => e.field);
      expect([['first', 'second'], [`callFlow.steps[0].message.${key}`]]).toContainEqual(outcome);
    });
  });

  describe('maxRetries', () => {
    it('defaults to 3 and accepts 1 to 10, also as a numeric string', () => {
      const retries = (value: unknown) => (accepted({ steps: [gather([{ default: true }], value === undefined ? {} : { maxRetries: value })] }).flow.steps[0] as GatherStep).maxRetries;
      expect(retries(undefined)).toBe(FLOW_LIMITS.defaultMaxRetries);
      expect(retries(undefined)).toBe(3);
      expect(retries(1)).toBe(1);
      expect(retries(10)).toBe(10);
      expect(retries('5')).toBe(5);
    });

    it.each([0, 11, -1, 2.5, 'many'])('refuses maxRetries %p', (maxRetries) => {
      const { errors } = normalizeCallFlow({ steps: [gather([{ default: true }], { maxRetries })] });
      expect(errors).toEqual([{ field: 'callFlow.steps[0].maxRetries', message: expect.stringContaining('1 to 10') }]);
    });
  });

  describe('transfer destinations', () => {
    it.each(['+6591991191', '6591991191', 'Ext:1000', 'sip:agent@example.com', 'sips:agent@example.com'])('accepts %p', (destination) => {
      expect(accepted({ steps: [transfer(destination)] }).flow.steps).toStrictEqual([{ name: 'transfer', destination }]);
    });

    it.each(['12ab', '+0123456', '+', 'Ext:', 'Ext:abc', 'ext:1000', 'sip:agent', 'sip:@example.com', '', 1000, undefined])('refuses %p', (destination) => {
      const { errors } = normalizeCallFlow({ steps: [play(), transfer(destination)] });
      expect(errors).toEqual([{ field: 'callFlow.steps[1].destination', message: expect.stringContaining('E.164') }]);
    });
  });

  describe('limits', () => {
    it('accepts a flow nested 5 levels deep', () => {
      const { flow } = accepted({ ...nested(5) });
      let level = 1;
      let steps = flow.steps;
      while (steps[0].name === 'gather') {
        steps = steps[0].branches[0].callFlow.steps;
        level++;
      }
      expect(level).toBe(5);
      expect(steps).toStrictEqual([{ name: 'play', message: { msg: 'innermost', messageIndex: 4 } }]);
    });

    it('refuses a flow nested 6 levels deep, naming the callFlow that is too deep', () => {
      const { result, errors } = normalizeCallFlow(nested(6));
      expect(result).toBeUndefined();
      expect(errors).toEqual([
        {
          field: `callFlow${'.steps[0].branches[0].callFlow'.repeat(5)}`,
          message: expect.stringContaining('6 levels'),
        },
      ]);
    });

    it('refuses even an empty callFlow at the 6th level', () => {
      let flow: Raw = { steps: [gather([{ digit: '1', callFlow: { steps: [] } }])] };
      for (let level = 4; level >= 1; level--) flow = { steps: [gather([{ digit: '1', callFlow: flow }])] };
      expect(refusedFields(flow)).toEqual([`callFlow${'.steps[0].branches[0].callFlow'.repeat(5)}`]);
    });

    it('accepts 100 steps and refuses 101', () => {
      const steps = (n: number) => Array.from({ length: n }, (_, i) => play(`step ${i}`));
      expect(accepted({ steps: steps(100) }).flow.steps).toHaveLength(100);
      const { result, errors } = normalizeCallFlow({ steps: steps(101) });
      expect(result).toBeUndefined();
      expect(errors).toEqual([{ field: 'callFlow', message: expect.stringContaining('101 steps') }]);
    });

    it('counts the steps inside branches towards the 100', () => {
      const inner = (n: number) => Array.from({ length: n }, (_, i) => play(`inner ${i}`));
      // 1 gather + 99 in its branch = 100
      expect(accepted({ steps: [gather([{ digit: '1', callFlow: { steps: inner(99) } }])] }).flow.steps).toHaveLength(1);
      // 1 gather + 50 + 50 = 101
      const { errors } = normalizeCallFlow({
        steps: [gather([{ digit: '1', callFlow: { steps: inner(50) } }, { digit: '2', callFlow: { steps: inner(50) } }])],
      });
      expect(errors).toEqual([{ field: 'callFlow', message: expect.stringContaining('101 steps') }]);
    });
  });

  describe('messageIndex', () => {
    it('numbers messages in pre-order: a gather before its branches, branches in order, then the next step', () => {
      const { flow, messagePaths } = accepted({
        steps: [
          gather([
            { digit: '1', callFlow: { steps: [play('B'), { name: 'gather', message: { msg: 'C' }, branches: [{ default: true, callFlow: { steps: [play('D')] } }] }] } },
            { digit: '2', callFlow: { steps: [transfer('Ext:1'), play('E')] } },
          ]),
          play('F'),
          transfer('+6591991191'),
          { name: 'gather', message: { msg: 'G' }, branches: [{ digit: '#' }] },
        ],
      });
      const seen: [string, number][] = [];
      const visit = (steps: any[]) => {
        for (const step of steps) {
          if (step.name === 'transfer') continue;
          seen.push([step.message.msg, step.message.messageIndex]);
          if (step.name === 'gather') step.branches.forEach((b: any) => visit(b.callFlow.steps));
        }
      };
      visit(flow.steps);
      expect(seen).toEqual([
        ['press a key', 0],
        ['B', 1],
        ['C', 2],
        ['D', 3],
        ['E', 4],
        ['F', 5],
        ['G', 6],
      ]);
      expect(messagePaths).toEqual([
        'callFlow.steps[0].message.msg',
        'callFlow.steps[0].branches[0].callFlow.steps[0].message.msg',
        'callFlow.steps[0].branches[0].callFlow.steps[1].message.msg',
        'callFlow.steps[0].branches[0].callFlow.steps[1].branches[0].callFlow.steps[0].message.msg',
        'callFlow.steps[0].branches[1].callFlow.steps[1].message.msg',
        'callFlow.steps[1].message.msg',
        'callFlow.steps[3].message.msg',
      ]);
    });

    it('uses the path prefix it is given', () => {
      const { errors } = normalizeCallFlow({ steps: [{ name: 'nope' }] }, 'body.flow');
      expect(errors).toEqual([{ field: 'body.flow.steps[0].name', message: expect.any(String) }]);
    });
  });

  describe('record steps', () => {
    it('takes the documented defaults: 60 s, 5 s of silence, #, a beep, no transcription in en-US', () => {
      expect(accepted({ steps: [{ name: 'record' }] }).flow.steps[0]).toEqual({
        name: 'record',
        maxLength: 60,
        timeout: 5,
        endKey: '#',
        beep: true,
        transcribe: false,
        transcribeLocale: 'en-US',
      });
    });

    it("takes the seed's options, numbers and booleans as text too, and a locale in any case", () => {
      const step = { name: 'record', maxLength: '3600', timeout: 60, endKey: 7, beep: 'false', transcribe: 'true', transcribeLocale: 'pt_br' };
      expect(accepted({ steps: [step] }).flow.steps[0]).toEqual({
        name: 'record',
        maxLength: 3600,
        timeout: 60,
        endKey: '7',
        beep: false,
        transcribe: true,
        transcribeLocale: 'pt-BR',
      });
    });

    it('refuses each option out of range, naming it, all at once', () => {
      const step = { name: 'record', maxLength: 0, timeout: 0, endKey: '##', beep: 1, transcribe: 'yes', transcribeLocale: 'en' };
      expect(refusedFields({ steps: [play(), step] }).sort()).toEqual(
        ['maxLength', 'timeout', 'endKey', 'beep', 'transcribe', 'transcribeLocale'].map((f) => `callFlow.steps[1].${f}`).sort(),
      );
    });

    it('runs in a branch like any step, and has no message', () => {
      const { flow, messagePaths } = accepted({ steps: [gather([{ digit: '2', callFlow: { steps: [{ name: 'record', maxLength: 30 }, play('bye')] } }])] });
      expect((flow.steps[0] as GatherStep).branches[0].callFlow.steps[0]).toMatchObject({ name: 'record', maxLength: 30 });
      expect(messagePaths).toEqual(['callFlow.steps[0].message.msg', 'callFlow.steps[0].branches[0].callFlow.steps[1].message.msg']);
    });
  });

  describe('unknown fields', () => {
    const message = (field: string, raw: unknown) => normalizeCallFlow(raw).errors.find((e) => e.field === field)?.message;

    it('names a misspelt field wherever it is, with the known name it is closest to', () => {
      expect(message('callFlow.steps[0].message.langauge', { steps: [play('hi', { langauge: 'en' })] })).toBe('unknown field; did you mean "language"?');
      expect(message('callFlow.steps[0].maxRetires', { steps: [gather([{ digit: '1' }], { maxRetires: 2 })] })).toBe('unknown field; did you mean "maxRetries"?');
      expect(message('callFlow.steps[0].branches[0].dgit', { steps: [gather([{ dgit: '1', default: true }])] })).toBe('unknown field; did you mean "digit"?');
      expect(message('callFlow.stpes', { steps: [play()], stpes: [] })).toBe('unknown field; did you mean "steps"?');
      expect(message('callFlow.steps[0].destinaton', { steps: [{ name: 'transfer', destination: '+6591991191', destinaton: 'x' }] })).toBe(
        'unknown field; did you mean "destination"?',
      );
    });

    it('lists the known fields when nothing is close, and still reports the step\'s other problems', () => {
      const { errors } = normalizeCallFlow({ steps: [{ name: 'play', message: { msg: '' }, volume: 11 }] });
      expect(errors).toEqual([
        { field: 'callFlow.steps[0].volume', message: 'unknown field; expected one of name, message' },
        { field: 'callFlow.steps[0].message.msg', message: 'must be a non-empty string' },
      ]);
    });

    it("keeps the contract's own fields: language and lang", () => {
      accepted({ steps: [play('a', { language: 'en' }), play('b', { lang: 'en', gender: 'male', pitch: 1, rate: 2 })] });
    });
  });
});
