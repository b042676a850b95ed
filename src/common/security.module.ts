import { Global, Module } from '@nestjs/common';
import { ApiRateLimiter } from './api-rate-limiter';

/** What ApiKeyGuard needs besides the organizations, for every module whose routes use the guard. */
@Global()
@Module({ providers: [ApiRateLimiter], exports: [ApiRateLimiter] })
export class SecurityModule {}
