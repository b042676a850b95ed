import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ComplianceModule } from './compliance/compliance.module';
import { ResolvedConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { typeormOptions } from './database/typeorm-options';
import { DispatcherModule } from './dispatcher/dispatcher.module';
import { FunnelModule } from './funnel/funnel.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { ApiKeysModule, OrganizationsModule } from './organizations/organizations.module';
import { SecurityModule } from './common/security.module';
import { RedisModule } from './redis/redis.module';
import { UploadsModule } from './uploads/uploads.module';
import { VoiceHttpModule } from './voice/voice-http.module';
import { VoicePlatformModule } from './voice/voice-platform.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: ResolvedConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(typeormOptions(config.databaseUrl, config.databasePoolSize)),
        BullModule.forRoot({ redis: config.redisUrl, prefix: config.queuePrefix }),
        RedisModule,
        SecurityModule,
        OrganizationsModule,
        ApiKeysModule,
        CampaignsModule,
        FunnelModule,
        ComplianceModule,
        UploadsModule,
        DashboardModule,
        DispatcherModule.forConfig(config),
        VoiceHttpModule.forConfig(config),
        VoicePlatformModule.forConfig(config),
        MetricsModule,
        WebhooksModule.forConfig(config),
      ],
      controllers: [HealthController],
    };
  }
}
