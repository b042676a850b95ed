import { Body, ConflictException, Controller, Get, Inject, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiConditionalGet, Conditional, CONDITIONAL_OK_HEADERS, ConditionalGet, strongEtag } from '../common/conditional-get';
import { UsageDto } from './usage.dto';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { DataSource } from 'typeorm';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { Organization } from '../organizations/organization.entity';
import { OrganizationsService } from '../organizations/organizations.service';
import { RedisService } from '../redis/redis.service';
import { DISPATCH_WAKE_CHANNEL } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';
import { UpdateUsageDto } from './update-usage.dto';

export interface UsageView {
  limit: number;
  externalOngoingCalls: number;
  /** Where externalOngoingCalls comes from: PUT /organization/usage, or the account's calls at MessageBird. */
  externalSource: 'reported' | 'messagebird' | 'bird';
  ongoingCalls: number;
  free: number;
  queuedCalls: number;
}

@ApiTags('organization')
@ApiKeyAuth()
@Controller('organization/usage')
@UseGuards(ApiKeyGuard)
export class OrganizationUsageController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly slots: SlotLeasesService,
    private readonly redis: RedisService,
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  private get countedFromPlatform(): 'messagebird' | 'bird' | null {
    return this.config.externalCallsFromPlatform?.platform ?? null;
  }

  /** The organization's slots: free = limit - other apps' ongoing calls - ours. */
  @Get()
  @ApiOperation({ operationId: 'getOrganizationUsage', summary: "The organization's slots: limit, other apps' ongoing calls, ours, free, queued backlog" })
  @ApiOkResponse({ type: UsageDto, headers: CONDITIONAL_OK_HEADERS })
  @ApiConditionalGet()
  async usage(@CurrentOrganization() organization: Organization, @Conditional() conditional: ConditionalGet): Promise<UsageView | undefined> {
    // Every figure comes from the organization's row and its campaigns' counters (one small query, no call read):
    // the ETag is derived from those figures themselves.
    const view = await this.view(organization);
    return conditional.answer(strongEtag('usage', organization.id, view), () => view);
  }

  /** Other apps of the organization report how many calls they have going; freed slots are used at once. */
  @Put()
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'reportExternalUsage', summary: "Other apps report how many calls they have going; freed slots are used at once" })
  @ApiOkResponse({ type: UsageDto })
  @ApiErrors([400, 409, 413, 415], { 409: "Other apps' calls are counted from the voice platform's account (MESSAGEBIRD_COUNT_EXTERNAL_CALLS or BIRD_COUNT_EXTERNAL_CALLS)" })
  async report(@CurrentOrganization() organization: Organization, @Body() body: UpdateUsageDto): Promise<UsageView> {
    const platform = this.countedFromPlatform;
    if (platform) {
      const setting = platform === 'bird' ? 'BIRD_COUNT_EXTERNAL_CALLS' : 'MESSAGEBIRD_COUNT_EXTERNAL_CALLS';
      throw new ConflictException(`externalOngoingCalls is counted from the calls on the ${platform === 'bird' ? 'Bird channel' : 'MessageBird account'} (${setting}=true), not reported`);
    }
    const updated = await this.organizations.setExternalOngoingCalls(organization.id, body.externalOngoingCalls);
    await this.slots.setLimits(updated.id, { limit: updated.maxConcurrentCalls, external: updated.externalOngoingCalls });
    await this.redis.publish(DISPATCH_WAKE_CHANNEL, updated.id);
    return this.view(updated);
  }

  /**
   * Our ongoing calls are counted from PostgreSQL, not from the slot leases (a dispatcher briefly holds
   * leases it may hand back when the backlog turns out to be empty): from the counters of the campaigns
   * that are not over, which move in the same statements as the calls (dialed − ended = between dialing
   * and ended; total − dialed = not dialed yet). Counting the calls themselves took ~115 ms a poll with a
   * million queued, and the dashboard polls every second.
   */
  private async view(organization: Organization): Promise<UsageView> {
    const [{ ongoing, queued }] = await this.db.query(
      `SELECT coalesce(sum(dialed_calls - ended_calls), 0)::int AS ongoing, coalesce(sum(total_calls - dialed_calls), 0)::int AS queued
       FROM call_requests WHERE organization_id = $1 AND completed_at IS NULL`,
      [organization.id],
    );
    return {
      limit: organization.maxConcurrentCalls,
      externalOngoingCalls: organization.externalOngoingCalls,
      externalSource: this.countedFromPlatform ?? 'reported',
      ongoingCalls: ongoing,
      free: Math.max(0, organization.maxConcurrentCalls - organization.externalOngoingCalls - ongoing),
      queuedCalls: queued,
    };
  }
}
