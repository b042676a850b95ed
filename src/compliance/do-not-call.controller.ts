import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { DoNotCallAddedDto, DoNotCallListDto, DoNotCallRemovedDto } from './compliance-responses.dto';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { Request } from 'express';
import { CountryCode } from 'libphonenumber-js';
import { PageQueryDto } from '../common/page-query.dto';
import { FieldValidationException } from '../common/api-error';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { Organization } from '../organizations/organization.entity';
import { receiveMultipartUpload } from '../common/multipart-upload';
import { DoNotCallService } from './do-not-call.service';
import { COUNTRY_CODE_MESSAGE, COUNTRY_CODES, PHONE_DIGITS, PHONE_DIGITS_MESSAGE } from '../common/text-values';

const MAX_NUMBERS = 100_000;

export class AddDoNotCallDto {
  @ApiProperty({ example: ['+6588893322', '+65 9123 4567'] })
  @ArrayMaxSize(MAX_NUMBERS, { message: `must hold at most ${MAX_NUMBERS} numbers` })
  @ArrayMinSize(1, { message: 'must hold at least one number' })
  @IsArray({ message: 'must be an array of phone numbers' })
  phones: string[];

  @ApiPropertyOptional({ type: String, example: 'SG', description: 'ISO 3166 country of numbers written in national format' })
  @IsOptional()
  @IsIn(COUNTRY_CODES, { message: COUNTRY_CODE_MESSAGE })
  defaultRegion?: CountryCode;
}

export class DoNotCallQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '8889', description: 'Only numbers that contain these digits' })
  @IsOptional()
  @Matches(PHONE_DIGITS, { message: PHONE_DIGITS_MESSAGE })
  phone?: string;
}

/** Documentation of the multipart form of POST /organization/dnc/csv. */
export class DoNotCallCsvFormDoc {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The CSV (a phone column)' })
  file: unknown;

  @ApiPropertyOptional({ example: 'SG', description: 'ISO 3166 country of numbers written in national format' })
  defaultRegion?: string;
}

@ApiTags('organization')
@ApiKeyAuth()
@Controller('organization/dnc')
@UseGuards(ApiKeyGuard)
export class DoNotCallController {
  constructor(
    private readonly doNotCall: DoNotCallService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listDoNotCall', summary: 'The do-not-call list, newest first (filter: phone digits)' })
  @ApiOkResponse({ type: DoNotCallListDto })
  @ApiErrors([400])
  list(@CurrentOrganization() organization: Organization, @Query() query: DoNotCallQueryDto) {
    return this.doNotCall.list(organization.id, query.page, query.perPage, query.phone);
  }

  @Post()
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'addDoNotCall', summary: 'Add numbers to the do-not-call list (normalized to E.164)' })
  @ApiOkResponse({ type: DoNotCallAddedDto })
  @ApiErrors([400, 413, 415])
  async add(@CurrentOrganization() organization: Organization, @Body() body: AddDoNotCallDto) {
    return { added: await this.doNotCall.add(organization.id, body.phones, body.defaultRegion, 'api') };
  }

  @Post('csv')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: DoNotCallCsvFormDoc })
  @ApiOkResponse({ type: DoNotCallAddedDto })
  @ApiErrors([400, 415])
  @ApiOperation({ operationId: 'importDoNotCall', summary: 'Add the numbers of a CSV file (a phone column, as in a debtor CSV)' })
  async importCsv(@CurrentOrganization() organization: Organization, @Req() request: Request) {
    const upload = await receiveMultipartUpload(request, { fileField: 'file', maxFileBytes: this.config.csvUpload.maxFileBytes, maxFieldBytes: 1024 });
    try {
      const region = upload.fields.defaultRegion;
      if (region !== undefined && !COUNTRY_CODES.includes(region as CountryCode)) {
        throw new FieldValidationException([{ field: 'defaultRegion', message: COUNTRY_CODE_MESSAGE }]);
      }
      if (!upload.file) throw new FieldValidationException([{ field: 'file', message: 'is required: a part named "file" holding the CSV' }]);
      return { added: await this.doNotCall.addCsv(organization.id, upload.file.path, region as CountryCode | undefined) };
    } finally {
      await upload.cleanup();
    }
  }

  @Delete(':phone')
  @ApiOperation({ operationId: 'removeDoNotCall', summary: 'Take a number (E.164) off the do-not-call list' })
  @ApiOkResponse({ type: DoNotCallRemovedDto })
  @ApiErrors([404], { 404: 'The number is not on the list' })
  async remove(@CurrentOrganization() organization: Organization, @Param('phone') phone: string) {
    if (!(await this.doNotCall.remove(organization.id, phone))) throw new NotFoundException(`${phone} is not on the do-not-call list`);
    return { removed: phone };
  }
}
