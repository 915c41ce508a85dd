import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Readiness } from '../db/readiness.ts'

// Fail fast while the database is missing, unmigrated or known to be unhealthy, instead of
// queueing requests behind it. Each route that reads or writes the database applies it itself.
export function requireDatabase(readiness: Pick<Readiness, 'isReady'>): MiddlewareHandler {
  return async function requireDatabase(_c, next) {
    if (!readiness.isReady()) throw new HTTPException(503, { message: 'database unavailable' })
    await next()
  }
}
