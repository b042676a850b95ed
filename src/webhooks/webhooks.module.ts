import { DynamicModule, Module } from '@nestjs/common';
import { ResolvedConfig } from '../config/app-config';
import { OrganizationsModule } from '../organizations/organizations.module';
import { WebhookDelivererService } from './webhook-deliverer.service';
import { CampaignStatusCallbacksController, WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/**
 * Status callbacks: endpoints (the API), the outbox (written by the services that change a state, with
 * outboxCtes), and the deliverer, which runs only where calls are worked (workers), off the call path.
 */
@Module({})
export class WebhooksModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [OrganizationsModule],
      controllers: [WebhookEndpointsController, CampaignStatusCallbacksController],
      providers: [WebhookEndpointsService, ...(config.role !== 'api' ? [WebhookDelivererService] : [])],
    };
  }
}
