import { INestApplication, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { AppModule } from './app.module';
import { bodyParserErrorHandler, verifyJsonText } from './common/body-parser-errors';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { PiiRedactingLogger } from './common/pii-redaction';
import { securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation.pipe';
import { ResolvedConfig } from './config/app-config';
import { runMigrations } from './database/run-migrations';
import { createOpenApiDocument } from './openapi/openapi-document';
import { keepRawBodyOfVoicePlatformRequests } from './voice/voice-http.module';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];

function logLevels(config: ResolvedConfig): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1);
}

/** Nest's logger at the configured levels; with LOG_REDACT_PII=true, one that masks phone numbers. */
function logger(config: ResolvedConfig): LogLevel[] | PiiRedactingLogger {
  return config.logRedactPii ? new PiiRedactingLogger(logLevels(config)) : logLevels(config);
}

/** The HTTP application (roles api and all), configured the same way for production and tests. */
export async function createHttpApp(config: ResolvedConfig): Promise<INestApplication> {
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: logger(config), abortOnError: false });
  app.use(securityHeaders());
  // JSON_BODY_MAX_BYTES (64 MB): enough for the contract's 100,000 destinations with their properties; more is a 413.
  app.use(
    express.json({
      limit: config.jsonBodyMaxBytes ?? 64 * 1024 * 1024,
      verify: (req, res, body, encoding) => {
        keepRawBodyOfVoicePlatformRequests(req, res, body);
        verifyJsonText(req, res, body, encoding);
      },
    }),
  );
  app.use(bodyParserErrorHandler);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** A worker (role worker): queue processors, dispatcher and reconciler, no HTTP. */
export async function createWorkerContext(config: ResolvedConfig): Promise<INestApplicationContext> {
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: logger(config), abortOnError: false });
  return app;
}
