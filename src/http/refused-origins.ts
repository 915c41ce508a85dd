import type { Logger } from '../log.ts'

export interface RefusedOriginOptions {
  /** An origin is logged again only after this long. */
  everyMs?: number
  /** Origins remembered at most; beyond it the longest-remembered is forgotten. */
  remember?: number
  now?: () => number
}

/**
 * Logs a refused origin with the setting that would admit it, once per origin per `everyMs`:
 * a misconfigured site sends a refused POST on every page view, and a log line for each would
 * bury the one that says what to fix. The memory is bounded, since any client can send any Origin.
 */
export function reportRefusedOrigins(
  log: Logger,
  { everyMs = 5 * 60_000, remember = 1000, now = () => performance.now() }: RefusedOriginOptions = {},
) {
  const loggedAt = new Map<string, number>()
  return function reportRefusedOrigin(origin: string) {
    const shown = origin.slice(0, 200)
    const last = loggedAt.get(shown)
    if (last !== undefined && now() - last < everyMs) return
    loggedAt.delete(shown)
    if (loggedAt.size >= remember) loggedAt.delete(loggedAt.keys().next().value!)
    loggedAt.set(shown, now())
    log.warn('view refused: its origin is not in CORS_ORIGINS', {
      origin: shown,
      fix: `add ${shown} to CORS_ORIGINS if it is your site`,
    })
  }
}
