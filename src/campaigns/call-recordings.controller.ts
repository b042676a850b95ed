import { Controller, Get, Param, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { CallRecordingsDto } from './campaign-status.dto';
import { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { CallRecordingsService } from './call-recordings.service';

/** Whole-call recordings (campaigns with enableCallRecording), on every voice platform that records calls. */
@ApiTags('calls')
@ApiKeyAuth()
@Controller('status/:requestId/calls/:callId/recordings')
@UseGuards(ApiKeyGuard)
export class CallRecordingsController {
  constructor(private readonly recordings: CallRecordingsService) {}

  @Get()
  @ApiOperation({ operationId: 'listCallRecordings', summary: "A call's recordings: id, status, duration (s) and a link that streams the .wav" })
  @ApiOkResponse({ type: CallRecordingsDto })
  @ApiErrors([404], { 404: 'No such call in this call request of this organization' })
  list(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Param('callId') callId: string) {
    return this.recordings.list(organization, requestId, callId);
  }

  @Get(':file')
  @ApiOperation({ operationId: 'getCallRecording', summary: 'One recording as audio/wav (`<recordingId>.wav`), streamed from the voice platform through this API' })
  @ApiOkResponse({ description: 'The recording (as an attachment)', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors([404], { 404: 'No such recording of this call' })
  async audio(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('callId') callId: string,
    @Param('file') file: string,
    @Res() res: Response,
  ): Promise<void> {
    const recordingId = file.endsWith('.wav') ? file.slice(0, -'.wav'.length) : file;
    const audio = await this.recordings.audio(organization, requestId, callId, recordingId);
    res.status(200).setHeader('Content-Type', 'audio/wav');
    res.setHeader('Content-Disposition', `attachment; filename="${recordingId.replace(/[^A-Za-z0-9._-]/g, '_')}.wav"`);
    await pipeline(audio, res).catch(() => res.destroy());
  }
}
