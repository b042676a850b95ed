import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/**
 * METRICS_PORT: a listener of its own for GET /metrics, in any role. A worker serves no HTTP otherwise,
 * so this is how its dials and event lag are scraped. With METRICS_TOKEN it asks for the same bearer
 * token; without, keep the port off any network that is not the operator's.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.port;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      if (!this.metrics.authorized(req.headers.authorization)) return void res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized\n');
      this.metrics.render().then(
        (body) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(body),
        (error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '0.0.0.0', () => resolve()));
    this.server = server;
    this.logger.log(`Metrics on http://localhost:${(server.address() as AddressInfo).port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
