import { Body, Controller, Delete, Get, HttpCode, Param, PipeTransform, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClassConstructor } from 'class-transformer';
import { Response } from 'express';
import { ApiErrors, ApiKeyAuth } from '../common/api-docs.decorators';
import { ApiErrorDto } from '../common/api-error.dto';
import { FieldValidationException } from '../common/api-error';
import { ApiKeyGuard, CurrentOrganization } from '../common/api-key.guard';
import { JsonBodyGuard } from '../common/json-body.guard';
import { PageQueryDto } from '../common/page-query.dto';
import { validateShallowBody } from '../common/shallow-body';
import { Organization } from '../organizations/organization.entity';
import { FlowPreview } from './call-flow-preview';
import {
  CallFlowPreviewDto,
  CallFlowPreviewQueryDto,
  CallFlowPreviewRequestDto,
  CallFlowVersionQueryDto,
  CreateSavedCallFlowDto,
  SavedCallFlowDto,
  SavedCallFlowListDto,
  UpdateSavedCallFlowDto,
} from './call-flows.dto';
import { CallFlowsService } from './call-flows.service';
import { SpeechSynthesizer } from './spoken-preview';

/** A JSON body checked by its DTO's decorators without a deep copy of its objects (the call flow): see validateShallowBody. */
class ShallowBodyPipe<T extends object> implements PipeTransform<unknown, T> {
  constructor(private readonly dto: ClassConstructor<T>) {}

  transform(body: unknown): T {
    return validateShallowBody(this.dto, body);
  }
}

const WAV_RESPONSE = { description: 'Every prompt the callee would hear, in order, spoken by espeak-ng (audio/wav, 16-bit PCM)', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } } };
const NOT_IMPLEMENTED = { status: 501, type: ApiErrorDto, description: 'espeak-ng is not installed where the API runs (the message says how to install it)' };

/** The prompts of a preview, in the order the callee would hear them (a re-prompt is heard again). */
function spokenSegments(preview: FlowPreview) {
  return preview.steps.flatMap((step) =>
    step.prompts ? step.prompts.map((prompt) => ({ text: prompt.text, voice: step.voice })) : step.text !== undefined ? [{ text: step.text, voice: step.voice }] : [],
  );
}

/** Saved call flows (README "Saved call flows") and the preview of a flow on one imaginary callee. */
@ApiTags('call flows')
@ApiKeyAuth()
@Controller('call-flows')
@UseGuards(ApiKeyGuard)
export class CallFlowsController {
  constructor(
    private readonly callFlows: CallFlowsService,
    private readonly speech: SpeechSynthesizer,
  ) {}

  @Post()
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'createCallFlow', summary: 'Save a call flow (version 1); it is checked exactly as POST /call checks its callFlow' })
  @ApiBody({ type: CreateSavedCallFlowDto })
  @ApiCreatedResponse({ type: SavedCallFlowDto })
  @ApiErrors([400, 413, 415])
  create(@CurrentOrganization() organization: Organization, @Body(new ShallowBodyPipe(CreateSavedCallFlowDto)) body: unknown) {
    return this.callFlows.create(organization.id, body as CreateSavedCallFlowDto);
  }

  @Get()
  @ApiOperation({ operationId: 'listCallFlows', summary: "The organization's saved call flows (latest versions), most recently updated first" })
  @ApiOkResponse({ type: SavedCallFlowListDto })
  @ApiErrors([400])
  list(@CurrentOrganization() organization: Organization, @Query() query: PageQueryDto) {
    return this.callFlows.list(organization.id, query.page, query.perPage);
  }

  @Post('preview')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    operationId: 'previewCallFlow',
    summary: 'Run a flow (sent, or saved) on one imaginary callee: the steps in order with their rendered text, keys, branches, retries; nothing is stored or dialed',
  })
  @ApiBody({ type: CallFlowPreviewRequestDto })
  @ApiOkResponse({ type: CallFlowPreviewDto })
  @ApiErrors([400, 404, 413, 415], { 400: 'What POST /call would refuse: the flow (same field paths), the properties, a limit of the platform; or a key that is not one', 404: 'No such saved call flow (or version) for this organization' })
  preview(@CurrentOrganization() organization: Organization, @Body(new ShallowBodyPipe(CallFlowPreviewRequestDto)) body: unknown) {
    return this.callFlows.preview(organization.id, body as CallFlowPreviewRequestDto);
  }

  @Post('preview.wav')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'previewCallFlowAudio', summary: 'The preview spoken: every prompt the callee would hear, in order, as audio/wav (espeak-ng)' })
  @ApiBody({ type: CallFlowPreviewRequestDto })
  @ApiProduces('audio/wav', 'application/json')
  @ApiOkResponse(WAV_RESPONSE)
  @ApiErrors([400, 404, 413, 415])
  @ApiResponse(NOT_IMPLEMENTED)
  async previewAudio(@CurrentOrganization() organization: Organization, @Body(new ShallowBodyPipe(CallFlowPreviewRequestDto)) body: unknown, @Res() res: Response): Promise<void> {
    const preview = await this.callFlows.preview(organization.id, body as CallFlowPreviewRequestDto);
    this.sendWav(res, await this.speech.wav(spokenSegments(preview)), 'preview.wav');
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getCallFlow', summary: 'A saved call flow: its latest version, or ?version=N' })
  @ApiOkResponse({ type: SavedCallFlowDto })
  @ApiErrors([400, 404], { 404: 'No such saved call flow (or version) for this organization' })
  get(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Query() query: CallFlowVersionQueryDto) {
    return this.callFlows.get(organization.id, id, query.version);
  }

  @Put(':id')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ operationId: 'updateCallFlow', summary: 'Save a new version of a call flow (the earlier versions stay; campaigns keep the flow they started with)' })
  @ApiBody({ type: UpdateSavedCallFlowDto })
  @ApiOkResponse({ type: SavedCallFlowDto })
  @ApiErrors([400, 404, 413, 415])
  update(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Body(new ShallowBodyPipe(UpdateSavedCallFlowDto)) body: unknown) {
    return this.callFlows.update(organization.id, id, body as UpdateSavedCallFlowDto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteCallFlow', summary: 'Delete a saved call flow (a 404 from then on); campaigns started with it are not changed' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors([404])
  async remove(@CurrentOrganization() organization: Organization, @Param('id') id: string): Promise<void> {
    await this.callFlows.remove(organization.id, id);
  }

  @Get(':id/preview.wav')
  @ApiOperation({ operationId: 'getCallFlowPreviewAudio', summary: "A saved call flow's preview spoken as audio/wav, for an <audio> player" })
  @ApiProduces('audio/wav', 'application/json')
  @ApiOkResponse(WAV_RESPONSE)
  @ApiErrors([400, 404])
  @ApiResponse(NOT_IMPLEMENTED)
  async savedPreviewAudio(@CurrentOrganization() organization: Organization, @Param('id') id: string, @Query() query: CallFlowPreviewQueryDto, @Res() res: Response): Promise<void> {
    let properties: unknown;
    if (query.properties !== undefined) {
      try {
        properties = JSON.parse(query.properties);
      } catch (error) {
        throw new FieldValidationException([{ field: 'properties', message: `is not valid JSON: ${(error as Error).message}` }]);
      }
      if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
        throw new FieldValidationException([{ field: 'properties', message: "must be a JSON object of the callee's properties" }]);
      }
    }
    const dto: CallFlowPreviewRequestDto = {
      callFlowId: id,
      ...(query.version !== undefined && { callFlowVersion: query.version }),
      ...(properties !== undefined && { properties: properties as Record<string, unknown> }),
      keys: query.keys ? query.keys.split(',').map((key) => key.trim()) : [],
      ...(query.platform && { platform: query.platform }),
      ...(query.transferStatus && { transferStatus: query.transferStatus }),
    };
    const preview = await this.callFlows.preview(organization.id, dto);
    this.sendWav(res, await this.speech.wav(spokenSegments(preview)), `call-flow-${id}-v${preview.callFlowVersion}.wav`);
  }

  private sendWav(res: Response, wav: Buffer, filename: string): void {
    res.status(200).setHeader('Content-Type', 'audio/wav');
    res.setHeader('Content-Disposition', `inline; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.setHeader('Content-Length', String(wav.length));
    res.end(wav);
  }
}
