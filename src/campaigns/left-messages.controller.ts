import { Controller, Get, Param, ParseIntPipe, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { LeftMessageDto } from './campaign-status.dto';
import { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { Organization } from '../organizations/organization.entity';
import { LeftMessagesService } from './left-messages.service';

/** What a callee said at a record step (`seq` is the step's position in `callFlowSteps`), with the API key. */
@ApiTags('calls')
@ApiKeyAuth()
@Controller('status/:requestId/calls/:callId/steps/:seq')
@UseGuards(ApiKeyGuard)
export class LeftMessagesController {
  constructor(private readonly messages: LeftMessagesService) {}

  @Get('recording.wav')
  @ApiOperation({ operationId: 'getLeftMessageAudio', summary: "A record step's recording as audio/wav, streamed through this API" })
  @ApiOkResponse({ description: 'The recording (as an attachment)', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors([400, 404], { 400: 'seq is not an integer', 404: 'No message left at that step of this call' })
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
  @ApiOkResponse({ description: 'The transcription', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors([400, 404], { 400: 'seq is not an integer', 404: 'No message left at that step of this call, or its transcription is not done' })
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
  @ApiOkResponse({ type: LeftMessageDto })
  @ApiErrors([400, 404], { 400: 'seq is not an integer', 404: 'No message left at that step of this call' })
  async transcription(
    @CurrentOrganization() organization: Organization,
    @Param('requestId') requestId: string,
    @Param('callId') callId: string,
    @Param('seq', ParseIntPipe) seq: number,
  ) {
    return this.messages.view(await this.messages.find(organization, requestId, callId, seq));
  }
}
