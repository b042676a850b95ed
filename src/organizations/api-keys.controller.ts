import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiKeyGuard, CurrentApiKey, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { ApiKeyDto, ApiKeyListDto, ApiKeyWithSecretDto, CreateApiKeyDto } from './api-keys.dto';
import { ApiKeyRecord, ApiKeysService, AuthenticatedKey } from './api-keys.service';
import { Organization } from './organization.entity';

const view = (record: ApiKeyRecord, current: AuthenticatedKey['key']): ApiKeyDto => ({ ...record, current: record.id === current.id });

/** The organization's API keys (README "API keys"): rotate by creating a new key, switching to it, revoking the old one. */
@ApiTags('organization')
@ApiKeyAuth()
@Controller('organization/api-keys')
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create a named API key with a scope; the answer shows the key, once' })
  @ApiCreatedResponse({ type: ApiKeyWithSecretDto })
  @ApiErrors([400, 409, 413, 415], { 409: 'An active key already has this name' })
  async create(@CurrentOrganization() organization: Organization, @CurrentApiKey() current: AuthenticatedKey['key'], @Body() body: CreateApiKeyDto): Promise<ApiKeyWithSecretDto> {
    const { record, apiKey } = await this.apiKeys.create(organization.id, body.name, body.scope);
    return { ...view(record, current), key: apiKey };
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: "The organization's active API keys (never the keys themselves)" })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentOrganization() organization: Organization, @CurrentApiKey() current: AuthenticatedKey['key']): Promise<ApiKeyListDto> {
    return { apiKeys: (await this.apiKeys.list(organization.id)).map((record) => view(record, current)) };
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key: every API process refuses it from the next request on' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors([404, 409], { 409: "The organization's last write key (create another write key first)" })
  async revoke(@CurrentOrganization() organization: Organization, @CurrentApiKey() current: AuthenticatedKey['key'], @Param('id') id: string): Promise<ApiKeyDto> {
    return view(await this.apiKeys.revoke(organization.id, id), current);
  }
}
