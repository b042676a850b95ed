import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The contract check of the e2e suites: every answer of a documented route must be documented by
 * openapi.json (the committed document, which test/openapi-document.e2e-spec.ts holds equal to the app's)
 * for that operation and status, and its JSON body must match that response's schema, strictly: an object
 * schema that lists its properties admits no other (additionalProperties false), and `nullable` is honoured.
 * Routes the document leaves out (webhooks, dashboard, metrics, unknown paths) are not checked.
 */

type Schema = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const DOCUMENT_ID = 'openapi.json';

/** An OpenAPI 3.0 schema as JSON Schema for ajv: nullable as a null alternative, closed objects, absolute $refs. */
export function toStrictJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStrictJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, example, ...rest } = schema as Schema;
  void example;
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.startsWith('#') ? `${DOCUMENT_ID}${value}` : value;
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Schema).map(([name, sub]) => [name, toStrictJsonSchema(sub)]));
    else out[key] = toStrictJsonSchema(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (nullable === true) return { anyOf: [{ type: 'null' }, out] };
  return out;
}

export class ContractChecker {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: Schema) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: toStrictJsonSchema(document.components?.schemas ?? {}) } });
    for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      for (const [method, operation] of Object.entries(item)) {
        if (!operation?.responses) continue;
        const params = (template.match(/\{/g) ?? []).length;
        this.operations.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), params, responses: operation.responses });
      }
    }
    // A literal segment wins over a parameter (as in the app's routing of these paths).
    this.operations.sort((a, b) => a.params - b.params);
  }

  /** The documented operation of a request, if any. */
  operationOf(method: string, url: string): Operation | undefined {
    const path = new URL(url, 'http://localhost').pathname;
    return this.operations.find((operation) => operation.method === method.toUpperCase() && operation.pattern.test(path));
  }

  /** Problems of one answer (empty when it is as documented, or when its route is not documented). */
  check(method: string, url: string, status: number, contentType: string | undefined, body: unknown): string[] {
    const operation = this.operationOf(method, url);
    if (!operation) return [];
    const where = `${method.toUpperCase()} ${operation.template} (${url}) answered ${status}`;
    const response = operation.responses[String(status)] ?? operation.responses.default;
    if (!response) return [`${where}: status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
    if (!response.content) return [];
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const media = response.content[mediaType];
    if (!media) return [`${where}: Content-Type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(response.content).join(', ')})`];
    if (!media.schema || mediaType !== 'application/json') return [];
    const key = `${operation.method} ${operation.template} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toStrictJsonSchema(media.schema) as Schema);
      this.validators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.keyword === 'additionalProperties' ? ` "${(error.params as { additionalProperty: string }).additionalProperty}"` : '';
      const enumValues = error.keyword === 'enum' ? ` ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}` : '';
      return `${where}: body${error.instancePath || ''} ${error.message}${extra}${enumValues} (schema ${error.schemaPath})`;
    });
  }

  /** Throws naming the route, the status and each offending path when the answer breaks the contract. */
  assert(method: string, url: string, status: number, contentType: string | undefined, body: unknown): void {
    const problems = this.check(method, url, status, contentType, body);
    if (problems.length > 0) {
      throw new Error(`The answer breaks the OpenAPI contract (openapi.json):\n  ${problems.slice(0, 10).join('\n  ')}\nbody: ${JSON.stringify(body)?.slice(0, 1500)}`);
    }
  }
}

let shared: ContractChecker | undefined;

/** The checker of the committed openapi.json, read once per test file. */
export function contract(): ContractChecker {
  shared ??= new ContractChecker(JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')));
  return shared;
}

const SUPERTEST_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options']);

/**
 * Supertest over the app, with the contract check added to every request it makes: the check is one of
 * the request's own assertions, so a broken answer fails the awaiting test like a wrong status does.
 */
export function withContractCheck<T extends object>(agent: T): T {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !SUPERTEST_METHODS.has(property) || typeof value !== 'function') return value;
      const method = property === 'del' ? 'delete' : property;
      return (url: string, ...rest: unknown[]) => {
        const test = value.call(target, url, ...rest);
        return test.expect((res: { status: number; headers: Record<string, string>; body: unknown }) => {
          // A test's own parser (e.g. bytes for audio) may leave a JSON answer as a Buffer.
          const json = (res.headers['content-type'] ?? '').startsWith('application/json') && Buffer.isBuffer(res.body);
          contract().assert(method, url, res.status, res.headers['content-type'], json ? JSON.parse((res.body as Buffer).toString('utf8')) : res.body);
        });
      };
    },
  });
}

/** fetch() against a service process, with the same check; the answer is returned unread. */
export async function fetchWithContractCheck(input: string | Request, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(input, init);
  const contentType = response.headers.get('content-type') ?? undefined;
  const url = typeof input === 'string' ? input : input.url;
  const method = init.method ?? (typeof input === 'string' ? 'GET' : input.method);
  if (!contract().operationOf(method, url)) return response;
  let body: unknown;
  if ((contentType ?? '').startsWith('application/json')) body = JSON.parse(await response.clone().text());
  contract().assert(method, url, response.status, contentType, body);
  return response;
}
