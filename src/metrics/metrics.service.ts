import { Inject, Injectable, Optional } from '@nestjs/common';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { ClusterMetricsService } from './cluster-metrics.service';
import { bearerMatches } from './metrics-token';
import { metricsRegistry } from './metrics';

/** What a scrape answers, wherever it arrives (GET /metrics on PORT, or METRICS_PORT). */
@Injectable()
export class MetricsService {
  readonly contentType = metricsRegistry.contentType;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
    @Optional() private readonly cluster?: ClusterMetricsService,
  ) {}

  /** Without METRICS_TOKEN every Authorization passes (METRICS_PORT only: PORT does not serve /metrics then). */
  authorized(authorization: string | string[] | undefined): boolean {
    const token = this.config.metrics.token;
    return token === undefined || bearerMatches(authorization, token);
  }

  get servedOnApiPort(): boolean {
    return this.config.metrics.token !== undefined;
  }

  async render(): Promise<string> {
    if (this.config.role !== 'worker') await this.cluster?.refresh();
    return metricsRegistry.metrics();
  }
}
