import { Controller, Get, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Where the dashboard's files are, from this file's own location (never from process.cwd(): `npm start`
 * may run from any directory):
 * - built (`node dist/main.js`): this file is dist/dashboard/dashboard.controller.js, next to
 *   dist/dashboard/public (copied by nest-cli.json `assets`) and dist/dashboard/client (compiled by
 *   `tsc -p src/dashboard/client/tsconfig.json`, the second half of `npm run build`);
 * - from the TypeScript sources (jest e2e tests): this file is src/dashboard/dashboard.controller.ts; the
 *   static files are read from src/dashboard/public and the compiled client from <repo>/dist/dashboard/client,
 *   which the test command builds before jest runs (test/support/browser.ts rebuilds it when stale).
 */
export function dashboardDirs(here = __dirname, builtFile = __filename.endsWith('.js')): { publicDir: string; clientDir: string } {
  return {
    publicDir: join(here, 'public'),
    clientDir: builtFile ? join(here, 'client') : join(here, '..', '..', 'dist', 'dashboard', 'client'),
  };
}

/** uPlot's ES module build and stylesheet, served from node_modules as installed (works offline). */
const UPLOT_ESM = require.resolve('uplot/dist/uPlot.esm.js');
const UPLOT_CSS = join(dirname(UPLOT_ESM), 'uPlot.min.css');

/** Names the dashboard serves; anything else is a 404 (route params never hold a `/`, and names are checked). */
const PUBLIC_FILE = /^[a-z0-9-]+\.(css|svg|ico|png)$/;
const CLIENT_FILE = /^[a-z0-9-]+\.js$/;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  png: 'image/png',
};

/**
 * The status dashboard: static files only, no API key needed for them. The page asks for the
 * organization's key and calls the same JSON API as any client with it.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  private readonly dirs = dashboardDirs();

  @Get()
  @Redirect('/dashboard', 302)
  root(): void {}

  @Get('dashboard')
  index(@Res() res: Response): void {
    this.send(res, join(this.dirs.publicDir, 'index.html'));
  }

  @Get('dashboard/vendor/uplot.esm.js')
  uplotScript(@Res() res: Response): void {
    this.send(res, UPLOT_ESM);
  }

  @Get('dashboard/vendor/uplot.css')
  uplotStyles(@Res() res: Response): void {
    this.send(res, UPLOT_CSS);
  }

  @Get('dashboard/js/:file')
  clientModule(@Param('file') file: string, @Res() res: Response): void {
    if (!CLIENT_FILE.test(file)) throw new NotFoundException(`No dashboard file "${file}"`);
    this.send(res, join(this.dirs.clientDir, file));
  }

  @Get('dashboard/:file')
  publicFile(@Param('file') file: string, @Res() res: Response): void {
    if (!PUBLIC_FILE.test(file)) throw new NotFoundException(`No dashboard file "${file}"`);
    this.send(res, join(this.dirs.publicDir, file));
  }

  private send(res: Response, path: string): void {
    if (!existsSync(path)) {
      const hint = path.startsWith(this.dirs.clientDir) ? ' (is the dashboard built? `npm run build`)' : '';
      throw new NotFoundException(`No dashboard file "${basename(path)}"${hint}`);
    }
    const extension = path.slice(path.lastIndexOf('.') + 1);
    res.setHeader('Content-Type', TYPES[extension] ?? 'application/octet-stream');
    // Revalidated on every load (ETag / Last-Modified), so a rebuilt dashboard is never served stale.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(path);
  }
}
