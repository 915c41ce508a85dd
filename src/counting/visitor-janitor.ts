import { daysToFold, foldDay, forgetBreakdownsBefore } from '../db/breakdown-upkeep.ts'
import { VALUES_PER_DAY } from '../db/breakdowns.ts'
import type { Database } from '../db/client.ts'
import { forgetExpiredVisitors } from '../db/counts.ts'
import { describeDatabaseError } from '../db/errors.ts'
import type { Readiness } from '../db/readiness.ts'
import type { Logger } from '../log.ts'
import { dayFormatter } from './calendar.ts'

export interface JanitorOptions {
  /** Days of daily_breakdowns kept, today included (BREAKDOWN_RETENTION_DAYS); 0 keeps them all. */
  breakdownRetentionDays?: number
  /** Distinct values of a kind a day keeps once it is over (BREAKDOWN_VALUES_PER_DAY). */
  breakdownValuesPerDay?: number
  /** Whose calendar the days are (TIME_ZONE): a day is over when this calendar has moved on. */
  timeZone?: string
  clock?: () => Date
}

// `n` days before `day` (YYYY-MM-DD, a calendar date: no time zone).
function daysBefore(day: string, n: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() - n)
  return date.toISOString().slice(0, 10)
}

/**
 * Deletes expired repeat-window entries rather than just ignoring them: the table holds only what
 * is still needed. Once a day it also deletes breakdowns of days past their retention, when one
 * is set (totals and daily views are never deleted), and folds each day that is over to its top
 * values (db/breakdown-upkeep.ts). Like keepMigrating, watchHealth and the page list, it owns its
 * timer, which never keeps the process alive, and stop() ends it.
 */
export function keepForgettingVisitors(
  db: Database,
  readiness: Pick<Readiness, 'isReady'>,
  log: Logger,
  everyMs = 60_000,
  {
    breakdownRetentionDays = 0,
    breakdownValuesPerDay = VALUES_PER_DAY,
    timeZone,
    clock = () => new Date(),
  }: JanitorOptions = {},
) {
  const dayOf = dayFormatter(timeZone)
  // The cut-off last applied, and the day whose past was last folded: both scan many days, so they
  // run when the day changes (or after a failure), not every minute.
  let forgottenBefore: string | undefined
  let foldedBefore: string | undefined

  const forgetOldBreakdowns = async (today: string) => {
    const before = daysBefore(today, breakdownRetentionDays - 1)
    if (breakdownRetentionDays === 0 || before === forgottenBefore) return
    await forgetBreakdownsBefore(db, before).then(
      ({ rows, batches }) => {
        forgottenBefore = before
        if (rows > 0) log.info('deleted breakdowns past their retention', { rows, batches, before })
      },
      (error) => log.warn('could not delete old breakdowns', describeDatabaseError(error)),
    )
  }

  // The first run looks at every day kept (the process may have been down when days ended); later
  // ones from the day before the last run's today on, which a batch begun before midnight may
  // have added values to after that fold.
  const foldPastDays = async (today: string) => {
    if (today === foldedBefore) return
    const since = foldedBefore === undefined ? forgottenBefore : daysBefore(foldedBefore, 1)
    try {
      for (const day of await daysToFold(db, today, breakdownValuesPerDay, since)) {
        const rows = await foldDay(db, day, breakdownValuesPerDay)
        log.info('folded a day of breakdowns to its top values', { day, rows, valuesPerDay: breakdownValuesPerDay })
      }
      foldedBefore = today
    } catch (error) {
      log.warn('could not fold past days of breakdowns', describeDatabaseError(error))
    }
  }

  const run = async () => {
    const now = clock()
    const removed = await forgetExpiredVisitors(db, now).catch((error) => {
      log.warn('could not forget expired visitors', describeDatabaseError(error))
      return 0
    })
    if (removed > 0) log.debug('forgot expired visitors', { removed })
    await forgetOldBreakdowns(dayOf(now))
    await foldPastDays(dayOf(now))
  }

  let running: Promise<void> | undefined
  const timer = setInterval(() => {
    // A run can outlast the interval (a first retention or fold on a big table): the next tick
    // then starts nothing, rather than a second run deleting or folding the same rows beside it.
    if (running || !readiness.isReady()) return
    running = run().finally(() => {
      running = undefined
    })
  }, everyMs)
  timer.unref()
  // Resolves once a run under way has finished, so the pool may close behind it.
  return {
    stop() {
      clearInterval(timer)
      return running ?? Promise.resolve()
    },
  }
}
