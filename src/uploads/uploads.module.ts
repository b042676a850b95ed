import { Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { CallFlowsModule } from '../call-flows/call-flows.module';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CsvCampaignImportService } from './csv-campaign-import.service';
import { CsvUploadController } from './csv-upload.controller';
import { removeStaleSpools } from '../common/multipart-upload';

/** CSV upload of debtors: POST /call/csv. */
@Module({
  imports: [CampaignsModule, CallFlowsModule, OrganizationsModule],
  controllers: [CsvUploadController],
  providers: [CsvCampaignImportService],
})
export class UploadsModule implements OnApplicationBootstrap {
  /** Spooled files of uploads whose process was killed (nothing else deletes them). */
  async onApplicationBootstrap(): Promise<void> {
    const removed = await removeStaleSpools();
    if (removed.length > 0) new Logger(UploadsModule.name).warn(`removed ${removed.length} spooled upload(s) left by a process that stopped mid-upload: ${removed.join(', ')}`);
  }
}
