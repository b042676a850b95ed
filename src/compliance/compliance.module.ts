import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Organization } from '../organizations/organization.entity';
import { OrganizationsModule } from '../organizations/organizations.module';
import { DoNotCallController } from './do-not-call.controller';
import { DoNotCallService } from './do-not-call.service';
import { OrganizationSettingsController } from './organization-settings.controller';

/** Do-not-call list, and the rules that decide when a call may be placed. */
@Module({
  imports: [OrganizationsModule, TypeOrmModule.forFeature([Organization])],
  controllers: [DoNotCallController, OrganizationSettingsController],
  providers: [DoNotCallService],
  exports: [DoNotCallService],
})
export class ComplianceModule {}
