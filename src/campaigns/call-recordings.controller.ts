import { Controller, Get, Param, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { CallRecordingsService } from './call-recordings.service';

/** Whole-call recordings (campaigns with enableCallRecording), on every voice platform that records calls. */
@ApiTags('calls')
@ApiHeader({ name: 'x-credential-api-key', required: true })
@Controller('status/:requestId/calls/:callId/recordings')
@UseGuards(ApiKeyGuard)
export class CallRecordingsController {
  constructor(private readonly recordings: CallRecordingsService) {}

  @Get()
  @ApiOperation({ operationId: 'listCallRecordings', summary: "A call's recordings: id, status, duration (s) and a link that streams the .wav" })
  @ApiOkResponse({ description: '{requestId, callId, recordings: [{id, status, duration, createdAt, file}]}' })
  @ApiUnauthorizedResponse({ description: 'Missing or unknown API key' })
  @ApiNotFoundResponse({ description: 'No such call in this call request of this organization' })
  list(@CurrentOrganization() organization: Organization, @Param('requestId') requestId: string, @Param('callId') callId: string) {
    return this.recordings.list(organization, requestId, callId);
  }

  @Get(':file')
  @ApiOperation({ operationId: 'getCallRecording', summary: 'One recording as audio/wav (`<recordingId>.wav`), streamed from the voice platform through this API' })
  @ApiProduces('audio/wav')
  @ApiNotFoundResponse({ description: 'No such recording of this call' })
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
