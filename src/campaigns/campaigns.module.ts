import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CallDetailsReader } from './call-details.reader';
import { CallRequest } from './call-request.entity';
import { Call } from './call.entity';
import { CampaignControlController } from './campaign-control.controller';
import { CampaignControlService } from './campaign-control.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { CampaignExportController } from './export/campaign-export.controller';
import { CampaignExportService } from './export/campaign-export.service';

@Module({
  imports: [TypeOrmModule.forFeature([CallRequest, Call]), OrganizationsModule],
  controllers: [CampaignsController, CampaignControlController, CampaignExportController],
  providers: [CampaignsService, CampaignControlService, CampaignExportService, CallDetailsReader],
  exports: [CampaignsService],
})
export class CampaignsModule {}
