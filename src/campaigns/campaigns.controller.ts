import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
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
@ApiHeader({ name: 'x-credential-api-key', required: true })
@Controller()
@UseGuards(ApiKeyGuard)
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post('call')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'queueUpCall', summary: 'Queue up one call per destination with the given call flow' })
  @ApiBody({ type: CreateCallRequestDto })
  // Typed `unknown` so the global ValidationPipe leaves the body to CallRequestPipe (see there why).
  @ApiQuery({ name: 'dryRun', required: false, description: 'true: only say what would happen to each destination; nothing is stored' })
  async queueUpCall(@CurrentOrganization() organization: Organization, @Body(CallRequestPipe) body: unknown, @Query() query: DryRunQueryDto) {
    if (query.dryRun) return this.campaigns.preview(organization, body as CreateCallRequestDto);
    return (await this.campaigns.submit(organization, body as CreateCallRequestDto)).view;
  }

  @Get('status/:requestId')
  @ApiOperation({ operationId: 'checkCallStatus', summary: 'Status of a call request and of its calls (paged)' })
  checkCallStatus(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Query() query: StatusQueryDto,
  ): Promise<StatusView> {
    return this.campaigns.status(organization, requestId, query);
  }

  @Get('status/:requestId/timeline')
  @ApiOperation({ operationId: 'callTimeline', summary: 'Calls started and ended per time bucket (default one minute), with outcomes' })
  timeline(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Query() query: TimelineQueryDto) {
    return this.campaigns.timeline(organization, requestId, query.bucketSeconds);
  }

  @Get('campaigns')
  @ApiOperation({ operationId: 'listCampaigns', summary: "The organization's campaigns, newest first, with summary counts" })
  list(@CurrentOrganization() organization: Organization, @Query() query: PageQueryDto) {
    return this.campaigns.list(organization, query.page, query.perPage);
  }
}
