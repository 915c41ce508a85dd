import type { Database } from '../db/client.ts'
import { forgetExpiredVisitors } from '../db/counts.ts'
import { describeDatabaseError } from '../db/errors.ts'
import type { Readiness } from '../db/readiness.ts'
import type { Logger } from '../log.ts'

/**
 * Deletes expired repeat-window entries rather than just ignoring them: the table holds only what
 * is still needed. Like keepMigrating, watchHealth and the page list, it owns its timer, which
 * never keeps the process alive, and stop() ends it.
 */
export function keepForgettingVisitors(
  db: Database,
  readiness: Pick<Readiness, 'isReady'>,
  log: Logger,
  everyMs = 60_000,
) {
  const timer = setInterval(async () => {
    if (!readiness.isReady()) return
    const removed = await forgetExpiredVisitors(db, new Date()).catch((error) => {
      log.warn('could not forget expired visitors', describeDatabaseError(error))
      return 0
    })
    if (removed > 0) log.debug('forgot expired visitors', { removed })
  }, everyMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
