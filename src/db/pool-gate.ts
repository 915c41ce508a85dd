import { AsyncLocalStorage } from 'node:async_hooks'
import type postgres from 'postgres'
import { DatabaseBusyError } from './errors.ts'

/** What this process knows about its queries without asking the database. */
export interface QueryLedger {
  /** Queries sent or waiting for a connection, not yet answered. */
  inFlight(): number
  /** How long the oldest unanswered query has waited, in ms (0 when none). */
  oldestWaitMs(): number
  /** Called with each failure the service did not cause itself (it cancels on deadlines and timeouts). */
  onFailure?: (error: unknown) => void
}

export interface GateLimits {
  poolMax: number
  /** Queries that may wait for a connection beyond the pool's size; more are refused at once. */
  queueMax: number
  /** How long a query may wait for a connection before it is taken out of the queue. */
  acquireTimeoutMs: number
}

const cancellation = new AsyncLocalStorage<AbortSignal>()

/** Runs `work` so that every statement it sends is cancelled when `signal` aborts. */
export const cancelledBy = <T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> =>
  cancellation.run(signal, work)

type PendingQuery = postgres.PendingQuery<postgres.Row[]> & {
  state?: unknown
  canceller?: ((query: unknown) => Promise<void>) | null
}

// What `query.cancel()` does (postgres/src/query.js), keeping the promise it drops: the cancel
// request opens a connection of its own, and during an outage its failure would otherwise be an
// unhandled rejection, which ends a Bun process.
function cancelQuery(query: PendingQuery) {
  const canceller = query.canceller
  query.canceller = null
  canceller?.(query).catch(() => {})
}

/**
 * Puts bounds around postgres.js, which has none for waiting: a query waits at most
 * `acquireTimeoutMs` for a connection, at most `queueMax` wait at all, and a query run under
 * `cancelledBy` is cancelled with its signal. Every statement is prepared (named): Drizzle sends
 * unnamed ones, which postgres.js describes before each run, two round trips instead of one.
 */
export function gatedClient(
  client: postgres.Sql,
  { poolMax, queueMax, acquireTimeoutMs }: GateLimits,
): { client: postgres.Sql; ledger: QueryLedger } {
  const inFlight = new Map<PendingQuery, number>()
  const ledger: QueryLedger = {
    inFlight: () => inFlight.size,
    oldestWaitMs() {
      const oldest = inFlight.values().next().value
      return oldest === undefined ? 0 : performance.now() - oldest
    },
  }
  const unsafe = (query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) => {
    if (inFlight.size >= poolMax + queueMax)
      throw new DatabaseBusyError('too many queries waiting for a connection', 'DATABASE_BUSY')
    const pending = client.unsafe(query, params, { ...options, prepare: true }) as PendingQuery
    let cancelledHere = false
    const cancel = () => {
      cancelledHere = true
      cancelQuery(pending)
    }
    const signal = cancellation.getStore()
    if (signal?.aborted) cancel()
    signal?.addEventListener('abort', cancel, { once: true })
    // postgres.js gives a query its connection by setting `state` (postgres/src/connection.js,
    // execute); cancelling one still without it takes it out of the queue without a round trip.
    const acquireTimer = setTimeout(() => pending.state || cancel(), acquireTimeoutMs)
    inFlight.set(pending, performance.now())
    const settle = (error?: unknown) => {
      clearTimeout(acquireTimer)
      signal?.removeEventListener('abort', cancel)
      inFlight.delete(pending)
      if (error !== undefined && !cancelledHere) ledger.onFailure?.(error)
    }
    // A query runs when first awaited (postgres/src/query.js, handle); Drizzle's `.values()` is
    // still applied, because the query is handed to a connection only a tick later.
    pending.then(() => settle(), settle)
    return pending
  }
  const gated = new Proxy(client, {
    get: (target, property, receiver) => (property === 'unsafe' ? unsafe : Reflect.get(target, property, receiver)),
  })
  return { client: gated, ledger }
}
