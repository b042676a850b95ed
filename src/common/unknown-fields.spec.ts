import { closestName, unknownFieldErrors } from './unknown-fields';

describe('unknownFieldErrors', () => {
  const known = ['callingHours', 'enableCallRecording', 'retry', 'requestId'];

  it('names each unknown field by its path, with a "did you mean" hint one or two edits away', () => {
    expect(unknownFieldErrors({ callingHour: {}, enableCallRecordng: true, retyr: {}, requestId: 'r' }, known, '')).toEqual([
      { field: 'callingHour', message: 'unknown field; did you mean "callingHours"?' },
      { field: 'enableCallRecordng', message: 'unknown field; did you mean "enableCallRecording"?' },
      { field: 'retyr', message: 'unknown field; did you mean "retry"?' },
    ]);
    expect(unknownFieldErrors({ langauge: 'en' }, ['msg', 'language', 'lang'], 'callFlow.steps[0].message')).toEqual([
      { field: 'callFlow.steps[0].message.langauge', message: 'unknown field; did you mean "language"?' },
    ]);
  });

  it('lists the known fields when none is close, and accepts every known one', () => {
    expect(unknownFieldErrors({ colour: 'red' }, known, 'x')).toEqual([{ field: 'x.colour', message: 'unknown field; expected one of callingHours, enableCallRecording, retry, requestId' }]);
    expect(unknownFieldErrors({ retry: 1, requestId: 2 }, known, '')).toEqual([]);
  });

  it('refuses __proto__, constructor and prototype keys as unknown fields', () => {
    const raw = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 1, "prototype": 1}');
    expect(unknownFieldErrors(raw, known, 'd').map((e) => e.field)).toEqual(['d.__proto__', 'd.constructor', 'd.prototype']);
  });

  it('suggests the nearest name, case-insensitively, and nothing three edits away', () => {
    expect(closestName('RETRY', known)).toBe('retry');
    expect(closestName('rtery', known)).toBe('retry'); // an adjacent swap is one edit
    expect(closestName('rxxxy', known)).toBeUndefined();
    expect(closestName('lang', ['language', 'lang'])).toBe('lang');
  });
});
