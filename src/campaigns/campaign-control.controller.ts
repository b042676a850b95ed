import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { CallDetailDto, CampaignViewDto } from './campaign-status.dto';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { CampaignControlService } from './campaign-control.service';
import { JsonBodyGuard } from '../common/json-body.guard';
import { UpdateCampaignDto } from './update-campaign.dto';
import { booleanFromText } from '../common/text-values';

export class CancelQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'true: also hang up the calls in progress' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  hangup = false;
}

@ApiTags('calls')
@ApiKeyAuth()
@Controller()
@UseGuards(ApiKeyGuard)
export class CampaignControlController {
  constructor(private readonly control: CampaignControlService) {}

  @Patch('status/:requestId')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'updateCampaign', summary: "Change the campaign's priority, weight or cap while it runs" })
  @ApiOkResponse({ type: CampaignViewDto, description: 'The campaign without its details' })
  @ApiErrors([400, 404, 409, 413, 415], { 409: 'The campaign is completed or cancelled' })
  update(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Body() body: UpdateCampaignDto) {
    return this.control.reprioritize(organization, requestId, body);
  }

  @Post('status/:requestId/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseCampaign', summary: 'Stop releasing new calls (calls in progress finish)' })
  @ApiOkResponse({ type: CampaignViewDto, description: 'The campaign without its details' })
  @ApiErrors([404, 409], { 409: 'The campaign is completed or cancelled' })
  pause(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string) {
    return this.control.pause(organization, requestId);
  }

  @Post('status/:requestId/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeCampaign', summary: 'Release the paused calls again, in order' })
  @ApiOkResponse({ type: CampaignViewDto, description: 'The campaign without its details' })
  @ApiErrors([404, 409], { 409: 'The campaign is cancelled' })
  resume(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string) {
    return this.control.resume(organization, requestId);
  }

  @Post('status/:requestId/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelCampaign', summary: 'Cancel every call not yet dialed; ?hangup=true also ends the calls in progress' })
  @ApiOkResponse({ type: CampaignViewDto, description: 'The campaign without its details' })
  @ApiErrors([400, 404, 409], { 409: 'The campaign is completed' })
  cancel(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Query() query: CancelQueryDto) {
    return this.control.cancel(organization, requestId, query.hangup);
  }

  @Delete('call/:requestId')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deleteCallRequest', summary: 'Same as POST /status/{requestId}/cancel' })
  @ApiOkResponse({ type: CampaignViewDto, description: 'The campaign without its details' })
  @ApiErrors([400, 404, 409], { 409: 'The campaign is completed' })
  remove(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Query() query: CancelQueryDto) {
    return this.control.cancel(organization, requestId, query.hangup);
  }

  @Post('status/:requestId/destinations/:phone/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelDestination', summary: "Cancel one destination's call (?hangup=true if it is in progress)" })
  @ApiOkResponse({ type: CallDetailDto, description: "That destination's detail" })
  @ApiErrors([400, 404, 409], { 409: 'The call is in progress (send hangup=true) or over' })
  cancelDestination(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('phone') phone: string,
    @Query() query: CancelQueryDto,
  ) {
    return this.control.cancelDestination(organization, requestId, phone, query.hangup);
  }
}
