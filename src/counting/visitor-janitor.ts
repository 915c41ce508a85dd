import { forgetBreakdownsBefore } from '../db/breakdowns.ts'
import type { Database } from '../db/client.ts'
import { forgetExpiredVisitors } from '../db/counts.ts'
import { describeDatabaseError } from '../db/errors.ts'
import type { Readiness } from '../db/readiness.ts'
import type { Logger } from '../log.ts'
import { dayFormatter } from './calendar.ts'

export interface JanitorOptions {
  /** Days of daily_breakdowns kept, today included (BREAKDOWN_RETENTION_DAYS); 0 keeps them all. */
  breakdownRetentionDays?: number
  /** Whose calendar the retention counts days in (TIME_ZONE). */
  timeZone?: string
  clock?: () => Date
}

// The first day kept when `days` days are kept up to `today` (YYYY-MM-DD, a calendar date: no time zone).
function firstKept(today: string, days: number): string {
  const date = new Date(`${today}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() - days + 1)
  return date.toISOString().slice(0, 10)
}

/**
 * Deletes expired repeat-window entries rather than just ignoring them: the table holds only what
 * is still needed. With a retention set, it also deletes breakdowns of days past it, once a day
 * (totals and daily views are never deleted). Like keepMigrating, watchHealth and the page list,
 * it owns its timer, which never keeps the process alive, and stop() ends it.
 */
export function keepForgettingVisitors(
  db: Database,
  readiness: Pick<Readiness, 'isReady'>,
  log: Logger,
  everyMs = 60_000,
  { breakdownRetentionDays = 0, timeZone, clock = () => new Date() }: JanitorOptions = {},
) {
  const dayOf = dayFormatter(timeZone)
  // The cut-off last applied: the delete scans the table, so it runs when the day changes, not every minute.
  let forgottenBefore: string | undefined
  let running: Promise<void> = Promise.resolve()
  const forget = async () => {
    const now = clock()
    const removed = await forgetExpiredVisitors(db, now).catch((error) => {
      log.warn('could not forget expired visitors', describeDatabaseError(error))
      return 0
    })
    if (removed > 0) log.debug('forgot expired visitors', { removed })
    if (breakdownRetentionDays === 0) return
    const before = firstKept(dayOf(now), breakdownRetentionDays)
    if (before === forgottenBefore) return
    await forgetBreakdownsBefore(db, before).then(
      (rows) => {
        forgottenBefore = before
        if (rows > 0) log.info('deleted breakdowns past their retention', { rows, before })
      },
      (error) => log.warn('could not delete old breakdowns', describeDatabaseError(error)),
    )
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
