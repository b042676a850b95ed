import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CampaignFunnelController } from './campaign-funnel.controller';
import { CampaignFunnelService } from './campaign-funnel.service';

/** GET /status/{requestId}/funnel (README "Funnel"); its counters are moved by the dispatcher's step-result writes. */
@Module({
  imports: [CampaignsModule, OrganizationsModule],
  controllers: [CampaignFunnelController],
  providers: [CampaignFunnelService],
})
export class FunnelModule {}
