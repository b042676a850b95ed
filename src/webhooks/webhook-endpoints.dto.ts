import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto';
import { PaginationDto } from '../common/pagination.dto';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';

const EVENTS_MESSAGE = `must be an array of event types (${WEBHOOK_EVENT_TYPES.join(', ')})`;

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://crm.example.com/robocall/events', description: 'https:// only; its host must not resolve to a private, link-local or loopback address' })
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  @IsString({ message: 'must be a URL' })
  url: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['call.completed', 'campaign.completed'], description: 'Absent: every event type' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENTS_MESSAGE })
  @ArrayMinSize(1, { message: 'must name at least one event type' })
  @IsArray({ message: EVENTS_MESSAGE })
  events?: string[];

  @ApiPropertyOptional({ example: 'CRM sync' })
  @IsOptional()
  @MaxLength(500, { message: 'must be at most 500 characters' })
  @IsString({ message: 'must be a string' })
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://crm.example.com/robocall/events' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  @IsString({ message: 'must be a URL' })
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['call.completed'] })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENTS_MESSAGE })
  @ArrayMinSize(1, { message: 'must name at least one event type' })
  @IsArray({ message: EVENTS_MESSAGE })
  events?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'CRM sync' })
  @IsOptional()
  @MaxLength(500, { message: 'must be at most 500 characters' })
  @IsString({ message: 'must be a string' })
  description?: string | null;

  @ApiPropertyOptional({ example: true, description: 'true re-enables an endpoint that was disabled after failing; false stops deliveries to it' })
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  enabled?: boolean;
}

export class WebhookDeliveriesQueryDto extends PageQueryDto {}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid', example: '0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b' }) id: string;
  @ApiProperty({ example: 'https://crm.example.com/robocall/events' }) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['call.completed', 'campaign.completed'] }) events: string[];
  @ApiProperty({ type: String, nullable: true, example: 'CRM sync' }) description: string | null;
  @ApiProperty({ example: true, description: 'false: disabled (by PATCH, or after failing for WEBHOOKS_DISABLE_AFTER_MS, 5 days by default)' }) enabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt: Date | null;
  @ApiProperty({ type: String, nullable: true, example: 'every delivery failed for 5 days' }) disabledReason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Since when every attempt has failed; null after a success' }) failingSince: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

/** POST /organization/webhook-endpoints and …/rotate-secret: the only answers that show the secret. */
export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Verifies the webhook-signature of deliveries (Standard Webhooks); shown only here' })
  secret: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto], description: 'Oldest first' }) endpoints: WebhookEndpointDto[];
}

export class WebhookEndpointDeletedDto {
  @ApiProperty({ format: 'uuid' }) deleted: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The webhook-id header: the same on every attempt and every receiver of the event' }) eventId: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, example: 'call.completed' }) event: string;
  @ApiProperty({
    enum: ['pending', 'delivered', 'failed', 'suspended'],
    example: 'delivered',
    description: 'failed: every attempt of the schedule failed; suspended: waits while its endpoint is disabled (sent again when it is enabled)',
  })
  status: string;
  @ApiProperty({ type: 'integer', example: 1 }) attempts: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 200, description: "The last attempt's HTTP status; null: no answer (see error)" }) responseStatus: number | null;
  @ApiProperty({ type: String, nullable: true, description: "The last answer's first 1 KB" }) responseBody: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 42 }) durationMs: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'timed out after 10000 ms' }) error: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next attempt is due; null once delivered or failed' }) nextAttemptAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'Newest first' }) deliveries: WebhookDeliveryDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class StatusCallbackSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: "Verifies deliveries to campaigns' statusCallbackUrl; shown only here" })
  secret: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}
