import type { MiddlewareHandler } from 'hono'

export interface CorsOptions {
  /** Origins whose pages may read the answers, compared as the browser sends them. */
  origins: string[]
  allowMethods: string[]
  maxAgeSeconds: number
}

/**
 * CORS as hono/cors answers it for a list of origins (honojs/hono src/middleware/cors/index.ts):
 * the origin echoed when listed, `Vary: Origin` on every answer, preflights answered with 204.
 * Unlike hono/cors, the headers are set before the route answers rather than appended after:
 * appending to a finished response copies it, a second Response per request (~5% of a cached read).
 */
export function allowOrigins({ origins, allowMethods, maxAgeSeconds }: CorsOptions): MiddlewareHandler {
  const allowed = new Set(origins)
  const methods = allowMethods.join(',')
  return async function allowOrigins(c, next) {
    const origin = c.req.header('origin')
    if (origin !== undefined && allowed.has(origin)) c.header('Access-Control-Allow-Origin', origin)
    c.header('Vary', 'Origin')
    if (c.req.method !== 'OPTIONS') return next()
    c.header('Access-Control-Max-Age', String(maxAgeSeconds))
    c.header('Access-Control-Allow-Methods', methods)
    const requested = c.req.header('access-control-request-headers')
    if (requested) {
      c.header(
        'Access-Control-Allow-Headers',
        requested
          .split(',')
          .map((name) => name.trim())
          .join(','),
      )
      c.header('Vary', 'Access-Control-Request-Headers', { append: true })
    }
    return c.body(null, 204)
  }
}
