import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { Organization } from '../organizations/organization.entity';
import {
  CreateWebhookEndpointDto,
  StatusCallbackSecretDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveriesQueryDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
  WebhookEndpointDeletedDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookEndpointWithSecretDto,
} from './webhook-endpoints.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** Status callbacks (README "Status callbacks"): where the organization's events are delivered. */
@ApiTags('webhooks')
@ApiKeyAuth()
@Controller('organization')
@UseGuards(ApiKeyGuard)
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post('webhook-endpoints')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'createWebhookEndpoint', summary: 'Add a webhook endpoint; the answer shows its signing secret, once' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiErrors([400, 413, 415], { 400: 'A field is wrong, or the URL is refused (not https://, or its host resolves to a private, link-local or loopback address)' })
  create(@CurrentOrganization() organization: Organization, @Body() body: CreateWebhookEndpointDto) {
    return this.endpoints.create(organization.id, body);
  }

  @Get('webhook-endpoints')
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: "The organization's webhook endpoints (without their secrets)" })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(@CurrentOrganization() organization: Organization) {
    return this.endpoints.list(organization.id);
  }

  @Get('webhook-endpoints/:id')
  @ApiOperation({ operationId: 'getWebhookEndpoint', summary: 'One webhook endpoint: whether it is enabled, since when it fails' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors([404])
  get(@CurrentOrganization() organization: Organization, @Param('id') id: string) {
    return this.endpoints.get(organization.id, id);
  }

  @Patch('webhook-endpoints/:id')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'updateWebhookEndpoint', summary: 'Change the URL, events or description; enable or disable it' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors([400, 404, 413, 415])
  update(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Body() body: UpdateWebhookEndpointDto) {
    return this.endpoints.update(organization.id, id, body);
  }

  @Delete('webhook-endpoints/:id')
  @ApiOperation({ operationId: 'deleteWebhookEndpoint', summary: 'Remove a webhook endpoint and its pending deliveries' })
  @ApiOkResponse({ type: WebhookEndpointDeletedDto })
  @ApiErrors([404])
  remove(@CurrentOrganization() organization: Organization, @Param('id') id: string) {
    return this.endpoints.remove(organization.id, id);
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @ApiOperation({ operationId: 'rotateWebhookEndpointSecret', summary: 'A new signing secret; the old one adds a second signature for 24 hours' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiErrors([404])
  rotateSecret(@CurrentOrganization() organization: Organization, @Param('id') id: string) {
    return this.endpoints.rotateSecret(organization.id, id);
  }

  @Get('webhook-endpoints/:id/deliveries')
  @ApiOperation({ operationId: 'listWebhookDeliveries', summary: "The endpoint's deliveries, newest first: event, status, last answer, next attempt" })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiErrors([400, 404])
  deliveries(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Query() query: WebhookDeliveriesQueryDto) {
    return this.endpoints.deliveries(organization.id, id, query.page, query.perPage);
  }

  @Post('webhook-endpoints/:id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  @ApiOperation({ operationId: 'retryWebhookDelivery', summary: 'Send one delivery again now (same webhook-id)' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiErrors([404, 409], { 409: 'The endpoint is disabled' })
  retry(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.endpoints.retry(organization.id, id, deliveryId);
  }

  @Post('status-callback-secret')
  @ApiOperation({ operationId: 'rotateStatusCallbackSecret', summary: "Create or replace the secret that signs deliveries to campaigns' statusCallbackUrl; shown once" })
  @ApiCreatedResponse({ type: StatusCallbackSecretDto })
  rotateStatusCallbackSecret(@CurrentOrganization() organization: Organization) {
    return this.endpoints.rotateStatusCallbackSecret(organization.id);
  }
}

/** Deliveries to a campaign's own statusCallbackUrl (README "Status callbacks"). */
@ApiTags('webhooks')
@ApiKeyAuth()
@Controller('status/:requestId/status-callbacks')
@UseGuards(ApiKeyGuard)
export class CampaignStatusCallbacksController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Get()
  @ApiOperation({ operationId: 'listStatusCallbackDeliveries', summary: "Deliveries to the campaign's statusCallbackUrl, newest first" })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiErrors([400, 404])
  list(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Query() query: WebhookDeliveriesQueryDto) {
    return this.endpoints.campaignDeliveries(organization.id, requestId, query.page, query.perPage);
  }

  @Post(':deliveryId/retry')
  @HttpCode(202)
  @ApiOperation({ operationId: 'retryStatusCallbackDelivery', summary: "Send one delivery to the campaign's statusCallbackUrl again now (same webhook-id)" })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiErrors([404])
  retry(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Param('deliveryId') deliveryId: string) {
    return this.endpoints.retryCampaignDelivery(organization.id, requestId, deliveryId);
  }
}
