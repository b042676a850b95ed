import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CallFlowsController } from './call-flows.controller';
import { CallFlowsService } from './call-flows.service';
import { SpeechSynthesizer } from './spoken-preview';

/** Saved call flows and the preview (README "Saved call flows"); campaigns resolve a callFlowId through CallFlowsService. */
@Module({
  imports: [OrganizationsModule],
  controllers: [CallFlowsController],
  providers: [CallFlowsService, SpeechSynthesizer],
  exports: [CallFlowsService],
})
export class CallFlowsModule {}
