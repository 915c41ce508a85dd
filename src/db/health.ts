import type { Logger } from '../log.ts'
import type { DatabaseHandle } from './client.ts'
import { diagnoseDatabaseError } from './diagnosis.ts'
import { describeDatabaseError, isDatabaseUnavailable } from './errors.ts'
import { cancelledBy } from './pool-gate.ts'

export interface DatabaseHealth {
  isHealthy(): boolean
  stop(): void
}

/**
 * Watches the database from inside the process: a query failing for want of the database, or one
 * left unanswered for `stallMs`, marks it unhealthy. While unhealthy, a cheap probe every
 * `probeEveryMs` (never more than one at a time) finds out when it is back. Nothing here waits
 * for the database, so readiness can be answered at once.
 */
export function watchHealth(
  database: Pick<DatabaseHandle, 'ping' | 'queries' | 'settings'>,
  log: Logger,
  { stallMs, probeEveryMs = 250 }: { stallMs: number; probeEveryMs?: number },
): DatabaseHealth {
  let healthy = true
  let probing = false

  const markUnhealthy = (reason: string, fields: Record<string, unknown>) => {
    if (!healthy) return
    healthy = false
    log.warn('database unhealthy', { reason, ...fields })
  }
  const probe = async () => {
    probing = true
    const started = performance.now()
    const timeout = AbortSignal.timeout(stallMs)
    // A black-holed query never settles, cancelled or not: the probe stops waiting for it at the timeout.
    const gaveUp = new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason)))
    const answered = cancelledBy(timeout, () => database.ping())
    try {
      await Promise.race([answered, gaveUp])
      healthy = true
      log.info('database healthy again', { probeMs: Math.round(performance.now() - started) })
    } catch {
      // Still away; the next tick probes again once this query has settled.
    } finally {
      await answered.catch(() => {})
      probing = false
    }
  }

  if (database.queries) {
    database.queries.onFailure = (error) => {
      if (!isDatabaseUnavailable(error)) return
      const problem = database.settings && diagnoseDatabaseError(error, database.settings)
      markUnhealthy(problem?.summary ?? 'query failed', { fix: problem?.fix, ...describeDatabaseError(error) })
    }
  }
  const watcher = setInterval(
    () => {
      const waitedMs = database.queries?.oldestWaitMs() ?? 0
      if (waitedMs > stallMs) markUnhealthy('query unanswered', { waitedMs: Math.round(waitedMs) })
      if (!healthy && !probing) void probe()
    },
    Math.min(probeEveryMs, stallMs / 4),
  )
  watcher.unref()

  return {
    isHealthy: () => healthy,
    stop: () => clearInterval(watcher),
  }
}
