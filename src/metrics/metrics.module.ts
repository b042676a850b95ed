import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { SlotLeasesService } from '../dispatcher/slot-leases.service';
import { ClusterMetricsService } from './cluster-metrics.service';
import { countHttpResponses } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics-server.service';
import { MetricsService } from './metrics.service';

/** GET /metrics (Prometheus), the METRICS_PORT listener, and the count of HTTP responses. */
@Module({
  controllers: [MetricsController],
  providers: [SlotLeasesService, ClusterMetricsService, MetricsService, MetricsServer],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(countHttpResponses).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
