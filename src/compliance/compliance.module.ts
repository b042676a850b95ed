import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { DoNotCallController } from './do-not-call.controller';
import { DoNotCallService } from './do-not-call.service';

/** Do-not-call list, and the rules that decide when a call may be placed. */
@Module({
  imports: [OrganizationsModule],
  controllers: [DoNotCallController],
  providers: [DoNotCallService],
  exports: [DoNotCallService],
})
export class ComplianceModule {}
