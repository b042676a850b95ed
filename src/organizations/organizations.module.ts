import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { RequestSql } from '../database/request-sql';
import { Organization } from './organization.entity';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organization])],
  providers: [OrganizationsService, ApiKeysService, RequestSql],
  exports: [OrganizationsService, ApiKeysService, RequestSql],
})
export class OrganizationsModule {}

/** The API-key routes, apart from OrganizationsModule so that the CLI can use the organizations without the HTTP guard's needs. */
@Module({ imports: [OrganizationsModule], controllers: [ApiKeysController] })
export class ApiKeysModule {}
