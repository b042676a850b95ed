import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs.decorators';
import { HealthDto } from './health.dto';
import { DataSource } from 'typeorm';
import { RedisService } from '../redis/redis.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: DataSource,
    private readonly redis: RedisService,
  ) {}

  /** 200 when PostgreSQL and Redis both answer; 503 naming the one that does not. */
  @Get()
  @ApiOperation({ operationId: 'checkHealth', summary: 'Whether PostgreSQL and Redis answer (no API key needed)' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrors([500, 503], { 503: 'PostgreSQL or Redis does not answer (the message names which)' })
  async check(): Promise<{ status: 'ok'; postgres: 'up'; redis: 'up' }> {
    const [postgres, redis] = await Promise.all([
      this.db.query('SELECT 1').then(() => 'up', (e) => `down: ${e.message}`),
      this.redis.client.ping().then(() => 'up', (e) => `down: ${e.message}`),
    ]);
    if (postgres !== 'up' || redis !== 'up') {
      throw new ServiceUnavailableException({ status: 'service_unavailable', message: `postgres ${postgres}; redis ${redis}` });
    }
    return { status: 'ok', postgres: 'up', redis: 'up' };
  }
}
