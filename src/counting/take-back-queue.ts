import type { Database } from '../db/client.ts'
import { describeDatabaseError } from '../db/errors.ts'
import { type CommittedView, takeBackViews } from '../db/take-back.ts'
import type { Logger } from '../log.ts'

export interface TakeBackOptions {
  log?: Logger
  /** Called after views were taken back, e.g. to invalidate cached reads. */
  onTakenBack?: () => void
  /** Views waiting to be taken back beyond this many stay counted (and are logged). */
  maxPending?: number
  /** The first wait before trying again; it doubles up to `maxRetryMs`. */
  retryMs?: number
  maxRetryMs?: number
}

const perStatement = 500

/**
 * Takes back views that committed after their callers were answered with an error, trying again
 * until the database takes them or the process stops. Bounded: at most `maxPending` views wait.
 * Logs counts only, never slugs or visitor keys.
 */
export function takeBackQueue(
  db: Database,
  { log, onTakenBack, maxPending = 10_000, retryMs = 1000, maxRetryMs = 30_000 }: TakeBackOptions = {},
) {
  const pending: CommittedView[] = []
  let draining = false

  // The timer is unref'd: views still waiting when the process is asked to stop do not keep it alive.
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

  async function drain() {
    draining = true
    let wait = retryMs
    while (pending.length > 0) {
      const batch = pending.slice(0, perStatement)
      try {
        const takenBack = await takeBackViews(db, batch)
        pending.splice(0, batch.length)
        wait = retryMs
        onTakenBack?.()
        log?.warn('took back views committed after their requests were answered with an error', {
          views: batch.length,
          takenBack,
        })
      } catch (error) {
        log?.warn('could not take back views yet; trying again', {
          views: pending.length,
          retryInMs: wait,
          ...describeDatabaseError(error),
        })
        await pause(wait)
        wait = Math.min(wait * 2, maxRetryMs)
      }
    }
    draining = false
  }

  return {
    add(views: CommittedView[]) {
      const room = Math.max(maxPending - pending.length, 0)
      if (views.length > room)
        log?.error('too many views waiting to be taken back; these stay counted', { views: views.length - room })
      pending.push(...views.slice(0, room))
      if (!draining && pending.length > 0) void drain()
    },
    pending: () => pending.length,
  }
}
