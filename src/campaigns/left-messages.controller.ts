import { Controller, Get, Param, ParseIntPipe, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { LeftMessagesService } from './left-messages.service';

/** What a callee said at a record step (`seq` is the step's position in `callFlowSteps`), with the API key. */
@ApiTags('calls')
@ApiHeader({ name: 'x-credential-api-key', required: true })
@Controller('status/:requestId/calls/:callId/steps/:seq')
@UseGuards(ApiKeyGuard)
export class LeftMessagesController {
  constructor(private readonly messages: LeftMessagesService) {}

  @Get('recording.wav')
  @ApiOperation({ operationId: 'getLeftMessageAudio', summary: "A record step's recording as audio/wav, streamed through this API" })
  @ApiProduces('audio/wav')
  @ApiNotFoundResponse({ description: 'No message left at that step of this call' })
  async audio(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('callId') callId: string,
    @Param('seq', ParseIntPipe) seq: number,
    @Res() res: Response,
  ): Promise<void> {
    const message = await this.messages.find(organization, requestId, callId, seq);
    const audio = await this.messages.audio(message);
    res.status(200).setHeader('Content-Type', 'audio/wav');
    res.setHeader('Content-Disposition', `attachment; filename="message-${callId}-${seq}.wav"`);
    await pipeline(audio, res).catch(() => res.destroy());
  }

  @Get('transcription.txt')
  @ApiOperation({ operationId: 'getLeftMessageTranscriptionText', summary: "A record step's transcription as plain text (404 until it is done)" })
  @ApiProduces('text/plain')
  async transcriptionText(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('callId') callId: string,
    @Param('seq', ParseIntPipe) seq: number,
    @Res() res: Response,
  ): Promise<void> {
    const { transcription } = this.messages.view(await this.messages.find(organization, requestId, callId, seq));
    if (transcription?.status !== 'done') {
      res.status(404).json({ status: 'not_found', message: `The transcription is ${transcription ? transcription.status : 'not asked for'}` });
      return;
    }
    res.status(200).type('text/plain; charset=utf-8').send(transcription.text ?? '');
  }

  @Get('transcription')
  @ApiOperation({ operationId: 'getLeftMessage', summary: "A record step's recording and transcription ({status: pending|done|failed, text}) as JSON" })
  @ApiOkResponse({ description: '{requestId, callId, seq, path, recording: {id, durationSeconds, endedBy, status, file}, transcription}' })
  async transcription(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('callId') callId: string,
    @Param('seq', ParseIntPipe) seq: number,
  ) {
    return this.messages.view(await this.messages.find(organization, requestId, callId, seq));
  }
}
