import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NextFunction, Request, Response } from 'express';
import { dashboardDirs } from '../dashboard/dashboard.controller';

/**
 * The response headers helmet sets by default, set here by hand (one small middleware instead of a
 * dependency), with a Content-Security-Policy that fits what this service serves:
 * - the dashboard: its own ES modules and styles, uPlot from node_modules (same origin), and one inline
 *   `<script type="importmap">`, allowed by its hash (computed from index.html at start);
 * - Swagger UI at /docs: its scripts are files, but its page has inline `<style>` blocks;
 * - no `upgrade-insecure-requests`: the service is often reached over plain HTTP on a private network.
 */
export function securityHeaders(indexHtml = join(dashboardDirs().publicDir, 'index.html')): (req: Request, res: Response, next: NextFunction) => void {
  const scriptHashes = existsSync(indexHtml) ? inlineScriptHashes(readFileSync(indexHtml, 'utf8')) : [];
  const policy = [
    "default-src 'self'",
    "base-uri 'self'",
    "connect-src 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    // Call recordings play from blob: URLs (fetched with the API key header).
    "media-src 'self' blob:",
    "object-src 'none'",
    `script-src 'self'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
  ].join('; ');
  const headers: [string, string][] = [
    ['Content-Security-Policy', policy],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'no-referrer'],
    ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
  ];
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    next();
  };
}

/** CSP source expressions (`sha256-…`) of the page's inline scripts (the dashboard has one: its import map). */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => `sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}`);
}
