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
  let running: Promise<void> = Promise.resolve()
  const forget = async () => {
    const removed = await forgetExpiredVisitors(db, new Date()).catch((error) => {
      log.warn('could not forget expired visitors', describeDatabaseError(error))
      return 0
    })
    if (removed > 0) log.debug('forgot expired visitors', { removed })
  }
  const timer = setInterval(() => {
    if (readiness.isReady()) running = forget()
  }, everyMs)
  timer.unref()
  // Resolves once a run under way has finished, so the pool may close behind it.
  return {
    stop() {
      clearInterval(timer)
      return running
    },
  }
}
