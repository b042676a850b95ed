import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallFlowsModule } from '../call-flows/call-flows.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CallDetailsReader } from './call-details.reader';
import { CallRequest } from './call-request.entity';
import { Call } from './call.entity';
import { CampaignControlController } from './campaign-control.controller';
import { CampaignControlService } from './campaign-control.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { DispatchWakeups } from './dispatch-wakeups';
import { CampaignExportController } from './export/campaign-export.controller';
import { CampaignExportService } from './export/campaign-export.service';
import { CallRecordingsController } from './call-recordings.controller';
import { CallRecordingsService } from './call-recordings.service';
import { LeftMessagesController } from './left-messages.controller';
import { LeftMessagesService } from './left-messages.service';

@Module({
  imports: [TypeOrmModule.forFeature([CallRequest, Call]), OrganizationsModule, CallFlowsModule],
  controllers: [CampaignsController, CampaignControlController, CampaignExportController, LeftMessagesController, CallRecordingsController],
  providers: [CampaignsService, DispatchWakeups, CampaignControlService, CampaignExportService, CallDetailsReader, LeftMessagesService, CallRecordingsService],
  exports: [CampaignsService],
})
export class CampaignsModule {}
