import { Controller, Get, Logger, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../../common/api-docs.decorators';
import { Response } from 'express';
import { ApiKeyGuard, CurrentOrganization } from '../../common/api-key.guard';
import { Organization } from '../../organizations/organization.entity';
import { CampaignExportService, exportFileName, FIXED_COLUMNS } from './campaign-export.service';
import { ExportQueryDto } from './export-filters';

@ApiTags('calls')
@ApiKeyAuth()
@Controller()
@UseGuards(ApiKeyGuard)
export class CampaignExportController {
  private readonly logger = new Logger(CampaignExportController.name);

  constructor(private readonly exports: CampaignExportService) {}

  @Get('status/:requestId/export.csv')
  @ApiOperation({
    operationId: 'exportCallStatus',
    summary: 'Every destination of a call request and its result, as a CSV file',
    description:
      `UTF-8 with a byte order mark, CRLF line ends (RFC 4180), a header row, one row per destination in ` +
      `destination order. Columns: ${FIXED_COLUMNS.join(', ')}, then one per property name (sorted; ` +
      '`property:<name>` when a name repeats a fixed column). A cell starting with = + - @ tab or CR is ' +
      "prefixed with ' (phone and caller excepted: they are validated E.164 numbers). " +
      'Filters (all optional, combined with AND) export one box of GET /status/{requestId}/funnel, whose boxes ' +
      'carry their ready-made links: `step` (a step path) with `key`, `outcome`, `transfer`, `recorded` or ' +
      '`transcribed`; `optedOut`; `callStatus`; `status`; `leftMessage`.',
  })
  @ApiOkResponse({ description: 'The CSV file (as an attachment)', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiErrors([400, 404], { 400: 'A filter is wrong, or does not fit the campaign’s call flow (`errors` names the field)', 404: 'No such call request for this organization' })
  async exportCallStatus(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Query() filters: ExportQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    // Thrown here (404, 400, or a database error) it is still an ordinary JSON error: nothing has been sent.
    const prepared = await this.exports.prepare(organization, requestId, filters);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(requestId)}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      const outcome = await this.exports.write(prepared, res);
      if (outcome === 'aborted') this.logger.debug(`export of "${requestId}" stopped: the client went away`);
    } catch (error) {
      if (!res.headersSent) throw error;
      // Part of the file is out: cutting the connection makes the download fail instead of looking complete.
      this.logger.error(`export of "${requestId}" failed part way: ${error instanceof Error ? error.stack : String(error)}`);
      res.destroy();
    }
  }
}
