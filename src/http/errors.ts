import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { InvalidSlug } from '../counting/slug.ts'
import { comesFromDatabase, describeDatabaseError, isDatabaseUnavailable } from '../db/errors.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics.ts'

/** Every error leaves as JSON `{ "error": "..." }` with its status, and never with a stack trace. */
export function answerErrors(log: Logger, metrics: Pick<Metrics, 'countDatabaseError'>): ErrorHandler {
  return function answerError(error, c) {
    if (error instanceof HTTPException) {
      return c.json(
        { error: error.message },
        error.status as ContentfulStatusCode,
        error.res ? Object.fromEntries(error.res.headers) : undefined,
      )
    }
    if (error instanceof InvalidSlug) return c.json({ error: error.message }, 400)
    // The client went away before its view was committed: nobody reads this answer, and nothing was counted.
    if (c.req.raw.signal.aborted) return c.json({ error: 'request abandoned' }, 503)
    if (isDatabaseUnavailable(error)) {
      metrics.countDatabaseError('unavailable')
      log.warn('database unavailable', describeDatabaseError(error))
      return c.json({ error: 'database unavailable' }, 503)
    }
    metrics.countDatabaseError('other')
    // A database error's message and stack name the statement and its parameters: class, code and cause only.
    log.error('unhandled error', {
      ...describeDatabaseError(error),
      stack: comesFromDatabase(error) ? undefined : error.stack,
    })
    return c.json({ error: 'internal error' }, 500)
  }
}
