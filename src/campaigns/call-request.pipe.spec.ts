import { FieldValidationException } from '../common/api-error';
import { CallRequestPipe } from './call-request.pipe';

/** Found by the hostile-input corpus: these bodies were 500s (a stack overflow, a TypeError) instead of 400s. */
describe('CallRequestPipe', () => {
  const pipe = new CallRequestPipe();
  const deep = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
  const valid = { requestId: 'r1', destinations: [{ phone: '+6588893322', caller: '+6582674904' }], callFlow: { steps: [] } };
  const fieldsOf = (body: unknown) => {
    try {
      pipe.transform(body);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(FieldValidationException);
      return ((error as FieldValidationException).getResponse() as { errors: { field: string }[] }).errors.map((e) => e.field);
    }
  };

  it('refuses fields nested 100,000 levels deep with field errors, not a stack overflow', () => {
    expect(fieldsOf({ ...valid, requestId: deep(100_000) })).toEqual(['requestId']);
    expect(fieldsOf({ ...valid, requestId: 42, retry: deep(100_000), extra: deep(100_000) })).toEqual(['extra', 'requestId']);
    expect(fieldsOf(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toEqual(expect.arrayContaining(['requestId', 'destinations', 'callFlow']));
  });

  it('refuses __proto__, constructor or prototype keys as unknown fields, and keeps validating the others', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const body = JSON.parse(`{"${key}": {"constructor": {"prototype": {"polluted": "yes"}}}, "requestId": 42}`);
      expect(fieldsOf({ ...body, destinations: valid.destinations, callFlow: valid.callFlow })).toEqual([key, 'requestId']);
      expect(fieldsOf(JSON.parse(`{"${key}": {"polluted": "yes"}, "requestId": "r1", "destinations": [{}], "callFlow": {}}`))).toEqual([key]);
    }
    expect(({} as any).polluted).toBeUndefined();
  });

  it('refuses misspelt top-level fields with a "did you mean" hint (issue 14), and accepts the contract\'s own', () => {
    const refused = () => {
      try {
        pipe.transform({ ...valid, callingHour: {}, enableCallRecordng: true, retyr: {}, machineDetecton: {} });
      } catch (error) {
        return ((error as FieldValidationException).getResponse() as { errors: unknown[] }).errors;
      }
    };
    expect(refused()).toEqual([
      { field: 'callingHour', message: 'unknown field; did you mean "callingHours"?' },
      { field: 'enableCallRecordng', message: 'unknown field; did you mean "enableCallRecording"?' },
      { field: 'retyr', message: 'unknown field; did you mean "retry"?' },
      { field: 'machineDetecton', message: 'unknown field; did you mean "machineDetection"?' },
    ]);
    const all = { ...valid, enableCallRecording: 'true', retry: {}, callingHours: {}, machineDetection: {} };
    expect(fieldsOf(all)).toEqual([]);
  });
});
