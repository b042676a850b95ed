import { Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { CsvDryRunDto, CsvStatusDocumentDto, CsvUploadErrorDto } from '../campaigns/campaign-status.dto';
import { Request } from 'express';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { FieldValidationException } from '../common/api-error';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { Organization } from '../organizations/organization.entity';
import { CsvCampaignImportService, CsvImportResult, CsvPreview } from './csv-campaign-import.service';
import { CsvUploadFormDoc, parseCsvUploadFields } from './csv-upload-fields';
import { receiveMultipartUpload } from '../common/multipart-upload';

/** Enough for a call flow of 100 steps of 1,000-character messages, as JSON text. */
const MAX_FIELD_BYTES = 1024 * 1024;

@ApiTags('calls')
@ApiKeyAuth()
@ApiExtraModels(CsvStatusDocumentDto, CsvDryRunDto)
@Controller()
@UseGuards(ApiKeyGuard)
export class CsvUploadController {
  constructor(
    private readonly imports: CsvCampaignImportService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  @Post('call/csv')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CsvUploadFormDoc })
  @ApiOkResponse({
    description: 'The status document with the import report; with dryRun=true, what would happen to each row',
    schema: { oneOf: [{ $ref: getSchemaPath(CsvStatusDocumentDto) }, { $ref: getSchemaPath(CsvDryRunDto) }] },
  })
  @ApiResponse({ status: 400, type: CsvUploadErrorDto, description: 'A field or the file is wrong; nothing was stored (row errors name line, column and value)' })
  @ApiErrors([404, 409, 415], { 404: 'callFlowId: no such saved call flow (or version) for this organization', 409: 'The requestId was used before with a different upload' })
  @ApiOperation({ operationId: 'uploadDebtorsCsv', summary: 'Queue up one call per CSV row (debtor) with the given call flow' })
  async upload(@CurrentOrganization() organization: Organization, @Req() request: Request): Promise<CsvImportResult['view'] | CsvPreview> {
    const upload = await receiveMultipartUpload(request, { fileField: 'file', maxFileBytes: this.config.csvUpload.maxFileBytes, maxFieldBytes: MAX_FIELD_BYTES });
    try {
      const fields = parseCsvUploadFields(upload.fields);
      if (!upload.file) throw new FieldValidationException([{ field: 'file', message: 'is required: a part named "file" holding the CSV' }]);
      if (fields.dryRun) return await this.imports.preview(organization, fields, upload.file);
      return (await this.imports.import(organization, fields, upload.file)).view;
    } finally {
      await upload.cleanup();
    }
  }
}
