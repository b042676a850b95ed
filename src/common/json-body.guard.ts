import { CanActivate, ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { Request } from 'express';

/** Refuses a body that is not JSON with a 415, rather than letting it through as an empty object. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.is('application/json')) {
      throw new UnsupportedMediaTypeException(`Content-Type must be application/json; got ${request.headers['content-type'] ?? 'none'}`);
    }
    return true;
  }
}
