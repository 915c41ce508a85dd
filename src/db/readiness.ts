import type { Logger } from '../log.ts'
import type { DatabaseHandle } from './client.ts'
import { describeDatabaseError, isDatabaseUnavailable } from './errors.ts'
import type { DatabaseHealth } from './health.ts'

export type ReadinessState = 'migrating' | 'unavailable' | 'ready'

export interface Readiness {
  isReady(): boolean
  state(): ReadinessState
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

  const attempt = async () => {
    try {
      const started = performance.now()
      await database.migrate()
      ready = true
      log.info('database ready', { kind: database.kind, migrateMs: Math.round(performance.now() - started) })
    } catch (error) {
      if (stopped) return
      // An outage heals by itself; a migration that fails on a reachable database needs a person.
      if (isDatabaseUnavailable(error))
        log.warn('database unavailable, retrying', { ...describeDatabaseError(error), retryMs: delay })
      else log.error('migration failed, retrying', { ...describeDatabaseError(error), retryMs: delay })
      timer = setTimeout(() => (inFlight = attempt()), delay)
      delay = Math.min(delay * 2, retryMs.max)
    }
  }
  inFlight = attempt()

  const state = (): ReadinessState => (!ready ? 'migrating' : health && !health.isHealthy() ? 'unavailable' : 'ready')
  return {
    state,
    isReady: () => state() === 'ready',
    stop() {
      stopped = true
      health?.stop()
      clearTimeout(timer)
      return inFlight
    },
  }
}
