import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { API_KEY_SCOPES, ApiKeyScope } from './api-keys.service';

const SCOPE_DESCRIPTION = 'read: GET routes only (status, exports, the dashboard\'s views); write: every route';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'crm-sync-2026', description: 'Unique among the organization\'s active keys; 1–100 characters' })
  @Matches(/\S/, { message: 'must not be blank' })
  @MaxLength(100, { message: 'must be at most 100 characters' })
  @IsString({ message: 'must be a string' })
  name: string;

  @ApiProperty({ enum: API_KEY_SCOPES, example: 'read', description: SCOPE_DESCRIPTION })
  @IsIn(API_KEY_SCOPES, { message: `must be one of ${API_KEY_SCOPES.join(', ')}` })
  scope: ApiKeyScope;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a54-0d7e-4b8e-9a51-2b3c4d5e6f70' }) id: string;
  @ApiProperty({ example: 'crm-sync-2026' }) name: string;
  @ApiProperty({ enum: API_KEY_SCOPES, example: 'read', description: SCOPE_DESCRIPTION }) scope: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the key was last used, to the minute; null: never' }) lastUsedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the key was revoked; null: active' }) revokedAt: Date | null;
  @ApiProperty({ example: false, description: 'Whether this is the key of the request that reads it' }) current: boolean;
}

/** POST /organization/api-keys: the only answer that shows the key. */
export class ApiKeyWithSecretDto extends ApiKeyDto {
  @ApiProperty({ example: 'rk_3q2v6yq7m4Lw0k8ZcQmJf1nS5xTgHbVd', description: 'The key for the x-credential-api-key header; shown only here (stored as a hash)' })
  key: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto], description: 'The active keys, newest first' }) apiKeys: ApiKeyDto[];
}
