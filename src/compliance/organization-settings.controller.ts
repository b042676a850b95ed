import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { CallingHoursDto, OrganizationSettingsViewDto } from './compliance-responses.dto';
import { InjectRepository } from '@nestjs/typeorm';
import { IsIn, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { Repository } from 'typeorm';
import { FieldValidationException } from '../common/api-error';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { QUEUEING_DESCRIPTION, QUEUEING_MODES, QueueingMode } from '../dispatcher/queueing-mode';
import { Organization } from '../organizations/organization.entity';
import { CallingHours, validateCallingHours } from './calling-hours';

/** Every field optional: what is sent changes, what is left out stays; null removes a cap or window. */
export class OrganizationSettingsDto {
  @ApiPropertyOptional({ type: Number, example: 3, nullable: true, description: 'Most calls started in any one second (carrier cap); null = no cap' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber({}, { message: 'must be a number or null' })
  @Min(0.01, { message: 'must be at least 0.01' })
  @Max(1000, { message: 'must be at most 1000' })
  callsPerSecond?: number | null;

  @ApiPropertyOptional({ type: 'integer', example: 3, nullable: true, description: 'Most calls started to one number per day, across campaigns; null = no cap' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: 'must be an integer or null' })
  @Min(1, { message: 'must be 1 or more' })
  @Max(100, { message: 'must be at most 100' })
  maxCallsPerNumberPerDay?: number | null;

  @ApiPropertyOptional({ type: CallingHoursDto, example: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }, nullable: true, description: 'Calling hours of campaigns that set none; null = any time' })
  @IsOptional()
  callingHours?: unknown;

  @ApiPropertyOptional({ enum: QUEUEING_MODES, example: 'fair', description: QUEUEING_DESCRIPTION })
  // Not nullable: null is refused like any other value outside the list.
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(QUEUEING_MODES, { message: `must be one of ${QUEUEING_MODES.join(', ')}` })
  queueing?: QueueingMode;
}

export interface OrganizationSettingsView {
  callsPerSecond: number | null;
  maxCallsPerNumberPerDay: number | null;
  callingHours: CallingHours | null;
  queueing: QueueingMode;
}

@ApiTags('organization')
@ApiKeyAuth()
@Controller('organization/settings')
@UseGuards(ApiKeyGuard)
export class OrganizationSettingsController {
  constructor(@InjectRepository(Organization) private readonly organizations: Repository<Organization>) {}

  @Get()
  @ApiOperation({ operationId: 'getOrganizationSettings', summary: 'Call-rate cap, per-number daily cap, default calling hours and how campaigns share the slots' })
  @ApiOkResponse({ type: OrganizationSettingsViewDto })
  get(@CurrentOrganization() organization: Organization): OrganizationSettingsView {
    return viewOf(organization);
  }

  @Put()
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'updateOrganizationSettings', summary: 'Change any of the settings (null removes one)' })
  @ApiOkResponse({ type: OrganizationSettingsViewDto })
  @ApiErrors([400, 413, 415])
  async update(@CurrentOrganization() organization: Organization, @Body() body: OrganizationSettingsDto): Promise<OrganizationSettingsView> {
    const changes: Partial<Organization> = {};
    if (body.callsPerSecond !== undefined) changes.callsPerSecond = body.callsPerSecond;
    if (body.maxCallsPerNumberPerDay !== undefined) changes.maxCallsPerNumberPerDay = body.maxCallsPerNumberPerDay;
    if (body.queueing !== undefined) changes.queueing = body.queueing;
    if (body.callingHours !== undefined) {
      if (body.callingHours === null) changes.callingHours = null;
      else {
        const { value, errors } = validateCallingHours(body.callingHours, 'callingHours');
        if (!value) throw new FieldValidationException(errors);
        changes.callingHours = value;
      }
    }
    if (Object.keys(changes).length > 0) await this.organizations.save(Object.assign(organization, changes));
    return viewOf(await this.organizations.findOneByOrFail({ id: organization.id }));
  }
}

function viewOf(organization: Organization): OrganizationSettingsView {
  return {
    callsPerSecond: organization.callsPerSecond,
    maxCallsPerNumberPerDay: organization.maxCallsPerNumberPerDay,
    callingHours: organization.callingHours,
    queueing: organization.queueing,
  };
}
