import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SCHEME, errorResponse } from '../common/api-docs.decorators';
import { needsWriteScope } from '../common/api-key.guard';

/**
 * The OpenAPI document of the HTTP API, built from the controllers' decorators and the DTO / response
 * classes they name. Served at /docs and /docs-json, and committed as openapi.json (`npm run openapi`;
 * test/openapi-document.e2e-spec.ts fails when the two differ).
 *
 * OpenAPI 3.0.3: @nestjs/swagger writes 3.0 schemas (`nullable`, `example`); it can relabel the document
 * 3.1 but does not change its schemas, which would then be wrong for a 3.1 reader.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.0.3')
    .setTitle('Robo call API')
    .setDescription(
      'Queue up bulk robo-calls with a call flow, and follow each call step by step. Every operation but ' +
        '`checkHealth` needs the organization\'s API key in the `x-credential-api-key` header. Errors always have ' +
        'the shape `{status, message, errors?, errorCount?}`.',
    )
    .setVersion('1.0.0')
    .addServer('/', 'This service (paths are relative to where the document is served)')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-credential-api-key', description: "The organization's API key" }, API_KEY_SCHEME)
    .addTag('calls', 'Campaigns: submit, follow, control, export, recordings')
    .addTag('organization', "The organization's slots, settings and do-not-call list")
    .addTag('health', 'Liveness of the service and its stores')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      // Operations without the API key say so (security: []), so a reader never takes them for forgotten ones.
      if (!operation.security) operation.security = [];
      // ApiKeyGuard refuses a read key on every method that may change something.
      else if (needsWriteScope(method)) operation.responses = withStatus(operation.responses, '403', errorResponse(403));
    }
  }
  return document;
}

/** The responses with one more status, in status order (as the decorators write them). */
function withStatus<T>(responses: Record<string, T>, status: string, response: T): Record<string, T> {
  return Object.fromEntries(Object.entries({ ...responses, [status]: response }).sort(([a], [b]) => a.localeCompare(b)));
}
