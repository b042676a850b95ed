import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The status dashboard (GET / and /dashboard/...): a static page that uses the JSON API with the operator's key. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
