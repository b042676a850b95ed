import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { FlowTemplatesCache } from '../call-flow/flow-templates-cache';
import { ResolvedConfig } from '../config/app-config';
import { OrganizationsModule } from '../organizations/organizations.module';
import { VoiceModule } from '../voice/voice.module';
import { CallEventsService } from './call-events.service';
import { CallHangupsService } from './call-hangups.service';
import { DialProcessor } from './dial.processor';
import { DialService } from './dial.service';
import { DispatcherService } from './dispatcher.service';
import { LeaseKeeper } from './lease-keeper.service';
import { CallSql } from './call-sql';
import { CampaignExpiryService } from './campaign-expiry.service';
import { OrganizationUsageController } from './organization-usage.controller';
import { DIAL_QUEUE } from './queue.constants';
import { ReconcilerService } from './reconciler.service';
import { SchedulerService } from './scheduler.service';
import { DialGate } from './dial-gate.service';
import { CallRateLimiter } from './call-rate-limiter.service';
import { SlotLeasesService } from './slot-leases.service';
import { PlatformExternalCalls } from './platform-external-calls.service';

/** Slot accounting for every role; the dispatcher, dial processor and reconciler only where calls are worked. */
@Module({})
export class DispatcherModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    const runsCalls = config.role !== 'api';
    const countsPlatformCalls = runsCalls && config.externalCallsFromPlatform !== null;
    return {
      module: DispatcherModule,
      imports: [OrganizationsModule, BullModule.registerQueue({ name: DIAL_QUEUE }), ...(runsCalls ? [VoiceModule.forConfig(config)] : [])],
      controllers: [OrganizationUsageController],
      providers: [
        SlotLeasesService,
        ...(runsCalls ? [FlowTemplatesCache, CallSql, LeaseKeeper, CallEventsService, CallHangupsService, DispatcherService, DialService, DialProcessor, ReconcilerService, SchedulerService, CampaignExpiryService, DialGate, CallRateLimiter] : []),
        ...(countsPlatformCalls ? [PlatformExternalCalls] : []),
      ],
      exports: [SlotLeasesService, ...(runsCalls ? [DispatcherService, CallEventsService, SchedulerService] : [])],
    };
  }
}
