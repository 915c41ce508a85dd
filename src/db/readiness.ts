import type { Logger } from '../log.ts'
import type { DatabaseHandle } from './client.ts'
import { type Diagnosis, diagnoseDatabaseError } from './diagnosis.ts'
import { describeDatabaseError, isDatabaseUnavailable } from './errors.ts'
import type { DatabaseHealth } from './health.ts'

/** Not migrated yet: still trying (`migrating`), or the last attempt found a problem (`unreachable`, `misconfigured`). */
export type ReadinessState = 'migrating' | 'unreachable' | 'misconfigured' | 'unavailable' | 'ready'

export interface Readiness {
  isReady(): boolean
  state(): ReadinessState
  /** What the last failed attempt to migrate found, while the state is `unreachable` or `misconfigured`. */
  problem?(): Diagnosis | undefined
  /** Stops retrying; resolves once an attempt under way has finished, so the pool may close. */
  stop(): Promise<void>
}

// Migrates in the background until it succeeds, so the service starts (and /health answers)
// without its database and becomes ready by itself once the database is reachable. Once migrated,
// it is ready while `health` says the database answers.
export function keepMigrating(
  database: DatabaseHandle,
  log: Logger,
  retryMs = { min: 250, max: 5000 },
  health?: DatabaseHealth,
): Readiness {
  let ready = false
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let delay = retryMs.min
  let inFlight: Promise<void> = Promise.resolve()
  let problem: Diagnosis | undefined

  const attempt = async () => {
    try {
      const started = performance.now()
      await database.migrate()
      ready = true
      problem = undefined
      log.info('database ready', { kind: database.kind, migrateMs: Math.round(performance.now() - started) })
    } catch (error) {
      if (stopped) return
      problem = database.settings && diagnoseDatabaseError(error, database.settings)
      // An outage heals by itself; a migration that fails on a reachable database needs a person.
      if (problem) {
        const fields = { fix: problem.fix, ...describeDatabaseError(error), retryMs: delay }
        if (problem.state === 'misconfigured') log.error(`database misconfigured: ${problem.summary}`, fields)
        else log.warn(`database unreachable: ${problem.summary}`, fields)
      } else if (isDatabaseUnavailable(error))
        log.warn('database unavailable, retrying', { ...describeDatabaseError(error), retryMs: delay })
      else log.error('migration failed, retrying', { ...describeDatabaseError(error), retryMs: delay })
      timer = setTimeout(() => (inFlight = attempt()), delay)
      delay = Math.min(delay * 2, retryMs.max)
    }
  }
  inFlight = attempt()

  const state = (): ReadinessState =>
    !ready ? (problem?.state ?? 'migrating') : health && !health.isHealthy() ? 'unavailable' : 'ready'
  return {
    state,
    problem: () => (ready ? undefined : problem),
    isReady: () => state() === 'ready',
    stop() {
      stopped = true
      health?.stop()
      clearTimeout(timer)
      return inFlight
    },
  }
}
