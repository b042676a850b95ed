import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CsvCampaignImportService } from './csv-campaign-import.service';
import { CsvUploadController } from './csv-upload.controller';

/** CSV upload of debtors: POST /call/csv. */
@Module({
  imports: [CampaignsModule, OrganizationsModule],
  controllers: [CsvUploadController],
  providers: [CsvCampaignImportService],
})
export class UploadsModule {}
