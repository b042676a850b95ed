import { ArgumentsHost, BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { FieldValidationException } from './api-error';
import { HttpExceptionFilter } from './http-exception.filter';

function hostFor(response: { status: jest.Mock; json: jest.Mock }): ArgumentsHost {
  return {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ method: 'POST', url: '/call' }) }),
  } as unknown as ArgumentsHost;
}

function respond(exception: unknown) {
  const response = { status: jest.fn(), json: jest.fn() };
  response.status.mockReturnValue(response);
  new HttpExceptionFilter().catch(exception, hostFor(response));
  return { status: response.status.mock.calls[0][0], body: response.json.mock.calls[0][0] };
}

describe('HttpExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('turns an unexpected error into a logged 500 that reveals nothing', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { status, body } = respond(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(status).toBe(500);
    expect(body).toEqual({ status: 'internal_error', message: 'Internal server error' });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("reading 'secret'"));
  });

  it("keeps Nest's own HTTP errors in the contract's {status, message} shape", () => {
    expect(respond(new NotFoundException('No call request "x"'))).toEqual({ status: 404, body: { status: 'not_found', message: 'No call request "x"' } });
    expect(respond(new BadRequestException(['a is wrong', 'b is wrong'])).body).toEqual({ status: 'bad_request', message: 'a is wrong; b is wrong' });
  });

  it('passes field errors through with their paths', () => {
    const { status, body } = respond(new FieldValidationException([{ field: 'destinations[3].phone', message: 'must be E.164' }]));
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'bad_request', errors: [{ field: 'destinations[3].phone', message: 'must be E.164' }], errorCount: 1 });
    expect(body.message).toContain('destinations[3].phone: must be E.164');
  });
});
