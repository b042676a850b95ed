import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiConditionalGet, Conditional, CONDITIONAL_OK_HEADERS, ConditionalGet } from '../common/conditional-get';
import { CampaignListDto, DryRunDto, StatusDocumentDto, TimelineDto } from './campaign-status.dto';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { Organization } from '../organizations/organization.entity';
import { StatusView } from './campaign-status.view';
import { CallRequestPipe } from './call-request.pipe';
import { CampaignsService } from './campaigns.service';
import { CreateCallRequestDto } from './create-call-request.dto';
import { PageQueryDto } from '../common/page-query.dto';
import { DryRunQueryDto, StatusQueryDto, TimelineQueryDto } from './status-query.dto';

@ApiTags('calls')
@ApiKeyAuth()
@ApiExtraModels(StatusDocumentDto, DryRunDto)
@Controller()
@UseGuards(ApiKeyGuard)
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post('call')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'queueUpCall', summary: 'Queue up one call per destination with the given call flow' })
  @ApiBody({ type: CreateCallRequestDto })
  @ApiOkResponse({
    description: 'The status document (`status: submitted`, or the current state of a harmless resubmission); with dryRun=true, what would happen',
    schema: { oneOf: [{ $ref: getSchemaPath(StatusDocumentDto) }, { $ref: getSchemaPath(DryRunDto) }] },
  })
  @ApiErrors([400, 404, 409, 413, 415], { 404: 'callFlowId: no such saved call flow (or version) for this organization', 409: 'The requestId was used before with a different body' })
  // Typed `unknown` so the global ValidationPipe leaves the body to CallRequestPipe (see there why).
  async queueUpCall(@CurrentOrganization() organization: Organization, @Body(CallRequestPipe) body: unknown, @Query() query: DryRunQueryDto) {
    if (query.dryRun) return this.campaigns.preview(organization, body as CreateCallRequestDto);
    return (await this.campaigns.submit(organization, body as CreateCallRequestDto)).view;
  }

  @Get('status/:requestId')
  @ApiOperation({ operationId: 'checkCallStatus', summary: 'Status of a call request and of its calls (paged)' })
  @ApiOkResponse({ type: StatusDocumentDto, headers: CONDITIONAL_OK_HEADERS })
  @ApiConditionalGet()
  @ApiErrors([400, 404])
  async checkCallStatus(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Query() query: StatusQueryDto,
    @Conditional() conditional: ConditionalGet,
  ): Promise<StatusView | undefined> {
    return this.campaigns.answerForCampaign(conditional, organization, requestId, (campaign) => ({
      etag: this.campaigns.etag('status', campaign, query),
      render: (request) => this.campaigns.status(request, query),
    }));
  }

  @Get('status/:requestId/timeline')
  @ApiOperation({ operationId: 'callTimeline', summary: 'Calls started and ended per time bucket (default one minute), with outcomes' })
  @ApiOkResponse({ type: TimelineDto, headers: CONDITIONAL_OK_HEADERS })
  @ApiConditionalGet()
  @ApiErrors([400, 404])
  async timeline(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Query() query: TimelineQueryDto,
    @Conditional() conditional: ConditionalGet,
  ) {
    return this.campaigns.answerForCampaign(conditional, organization, requestId, (campaign) => ({
      etag: this.campaigns.etag('timeline', campaign, query.bucketSeconds),
      render: (request) => this.campaigns.timeline(request, query.bucketSeconds),
    }));
  }

  @Get('campaigns')
  @ApiOperation({ operationId: 'listCampaigns', summary: "The organization's campaigns, newest first, with summary counts" })
  @ApiOkResponse({ type: CampaignListDto, headers: CONDITIONAL_OK_HEADERS })
  @ApiConditionalGet()
  @ApiErrors([400])
  async list(@CurrentOrganization() organization: Organization, @Query() query: PageQueryDto, @Conditional() conditional: ConditionalGet) {
    const etag = await this.campaigns.listEtag(organization, query.page, query.perPage);
    return conditional.answer(etag, () => this.campaigns.list(organization, query.page, query.perPage));
  }
}
