import { ArgumentMetadata } from '@nestjs/common';
import { IsInt, IsOptional } from 'class-validator';
import { FieldValidationException } from './api-error';
import { createValidationPipe, knownFieldsOf } from './validation.pipe';

class SettingsDto {
  @IsOptional()
  @IsInt({ message: 'must be an integer' })
  callsPerSecond?: number;

  @IsOptional()
  callingHours?: unknown;
}

const body: ArgumentMetadata = { type: 'body', metatype: SettingsDto };
const query: ArgumentMetadata = { type: 'query', metatype: SettingsDto };

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FieldValidationException);
  return (error as FieldValidationException).getResponse() as { errors?: unknown[] };
}

describe('the global validation pipe (issue 14: unknown fields of JSON bodies)', () => {
  const pipe = createValidationPipe();

  it('knows the fields a DTO declares with class-validator decorators', () => {
    expect(knownFieldsOf(SettingsDto)).toEqual(['callsPerSecond', 'callingHours']);
  });

  it('refuses an unknown body field with a "did you mean" hint, in the one error shape, with the other problems', async () => {
    expect(await refusal(pipe.transform({ callingHour: {}, callsPerSecond: 1.5 }, body))).toEqual({
      status: 'bad_request',
      message: 'Validation failed: callingHour: unknown field; did you mean "callingHours"?; callsPerSecond: must be an integer',
      errors: [
        { field: 'callingHour', message: 'unknown field; did you mean "callingHours"?' },
        { field: 'callsPerSecond', message: 'must be an integer' },
      ],
      errorCount: 2,
    });
    expect((await refusal(pipe.transform(JSON.parse('{"__proto__": {"x": 1}}'), body))).errors).toEqual([
      { field: '__proto__', message: 'unknown field; expected one of callsPerSecond, callingHours' },
    ]);
  });

  it('accepts a body of known fields, and still drops unknown query parameters', async () => {
    expect(await pipe.transform({ callsPerSecond: 2 }, body)).toEqual(Object.assign(new SettingsDto(), { callsPerSecond: 2 }));
    expect(await pipe.transform({ callsPerSecond: 2, _: '123' }, query)).toEqual(Object.assign(new SettingsDto(), { callsPerSecond: 2 }));
  });

  it('leaves a body without a DTO to its own pipe', async () => {
    const raw = { anything: 1 };
    expect(await pipe.transform(raw, { type: 'body', metatype: Object })).toBe(raw);
  });
});
