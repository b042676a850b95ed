import { Body, Controller, Get, HttpCode, Module, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { status, stopFloorWork, submit } from './floor-work';

/**
 * The floor's work (floor-work.ts) served by NestJS on Express as a bare application makes it (its default JSON
 * body parser, one controller, no guard, pipe, interceptor or middleware of ours): what the framework alone adds
 * to node:http for the load scenario's two requests (scenario `request-cost`). Run as its own process:
 * DATABASE_URL, PORT, ORGANIZATION_ID.
 */
@Controller()
class FloorController {
  @Post('call')
  @HttpCode(200)
  call(@Body() body: Parameters<typeof submit>[0]) {
    return submit(body);
  }

  @Get('status/:requestId')
  async status(@Param('requestId') requestId: string, @Query('page') page = '1', @Query('perPage') perPage = '100') {
    const view = await status(requestId, Number(page), Number(perPage));
    if (!view) throw new NotFoundException('no such request');
    return view;
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(FloorModule, { logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => void app.close().then(stopFloorWork).finally(() => process.exit(0)));
}

void main();
