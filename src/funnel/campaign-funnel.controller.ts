import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiConditionalGet, Conditional, CONDITIONAL_OK_HEADERS, ConditionalGet } from '../common/conditional-get';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { CampaignFunnelDto } from './campaign-funnel.dto';
import { CampaignFunnelService } from './campaign-funnel.service';
import { CampaignsService } from '../campaigns/campaigns.service';

@ApiTags('calls')
@ApiKeyAuth()
@Controller()
@UseGuards(ApiKeyGuard)
export class CampaignFunnelController {
  constructor(
    private readonly funnels: CampaignFunnelService,
    private readonly campaigns: CampaignsService,
  ) {}

  @Get('status/:requestId/funnel')
  @ApiOperation({
    operationId: 'campaignFunnel',
    summary: 'The campaign as a funnel over its call flow, with an ETA for its queued calls',
    description:
      'Counts of the whole campaign, then every step of its flow in flow order: how many calls reached it, how it ' +
      'finished (info.status), and per kind of step the keys pressed (and no input) and opt-outs of a gather, the ' +
      'transfers answered or not, the messages recorded and transcribed. Each box carries `export`, the link of ' +
      'GET /status/{requestId}/export.csv that lists exactly its destinations. Counters move with each step result ' +
      '(a retried call counts its current attempt only), so this costs the same for any number of calls. ' +
      '`eta`: when the last queued call should be dialed at the dial rate of the last 5 minutes, inside the calling ' +
      'hours; null with `etaReason` when it cannot be told. `at`, the instant it is computed for, is the current time rounded ' +
      'down to 5 seconds: an unchanged campaign answers the same funnel (and a 304 to If-None-Match) for those seconds.',
  })
  @ApiOkResponse({ type: CampaignFunnelDto, headers: CONDITIONAL_OK_HEADERS })
  @ApiConditionalGet()
  @ApiErrors([404], { 404: 'No such call request for this organization' })
  async funnel(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Conditional() conditional: ConditionalGet) {
    return this.campaigns.answerForCampaign(conditional, organization, requestId, async (campaign) => {
      const basis = await this.funnels.funnelBasis(organization, campaign);
      return { etag: this.funnels.etag(organization, basis), render: (request) => this.funnels.funnel(organization, { ...basis, request }) };
    });
  }
}
