import { Controller, Get, Headers, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Prometheus text format, for operators: every organization's backlog and slots, so an organization's API
 * key never opens it. Served only when METRICS_TOKEN is set, to `Authorization: Bearer <METRICS_TOKEN>`.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!this.metrics.servedOnApiPort) throw new NotFoundException('Cannot GET /metrics');
    if (!this.metrics.authorized(authorization)) throw new UnauthorizedException('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    const body = await this.metrics.render();
    res.status(200).setHeader('content-type', this.metrics.contentType);
    res.end(body);
  }
}
