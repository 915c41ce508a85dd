import { DrizzleQueryError } from 'drizzle-orm/errors'

// Errors that mean "the database cannot serve this right now" (a 503), as opposed to a bug (a 500).
// 57014 is a cancelled statement: statement_timeout, a view's deadline, or a connection not found in time.
// A missing database or role, or a refused password (3D000, 28000, 28P01), reach requests only when the
// server changes under a running service (a rotated password): a 503 too, logged with its fix (diagnosis.ts).
const unavailableCodes = new Set([
  '3D000',
  '28000',
  '28P01',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'DATABASE_BUSY',
  'VIEW_DEADLINE',
  'DATABASE_UNHEALTHY',
])

/** Refused by the service itself: too much already waits for the database, or it is known to be away. */
export class DatabaseBusyError extends Error {
  constructor(
    message: string,
    readonly code: 'DATABASE_BUSY' | 'VIEW_DEADLINE' | 'DATABASE_UNHEALTHY',
  ) {
    super(message)
    this.name = 'DatabaseBusyError'
  }
}

const codeOf = (error: Error) => {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function* chain(error: unknown) {
  // Drizzle wraps the driver's error in `cause`; walk the chain.
  for (let current = error; current instanceof Error; current = current.cause) yield current
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const current of chain(error)) if (unavailableCodes.has(codeOf(current) ?? '')) return true
  return false
}

/** The statement was cancelled before it committed (query_canceled), so it changed nothing. */
export const isCancelled = (error: unknown) => [...chain(error)].some((e) => codeOf(e) === '57014')

/** Whether a statement was involved: then its message and stack are not fit for a log. */
export const comesFromDatabase = (error: unknown) =>
  [...chain(error)].some((e) => e instanceof DrizzleQueryError || e.constructor.name === 'PostgresError')

// Drizzle's error keeps Error's `name`, so the class is told by the constructor.
const classOf = (error: Error) => error.constructor.name

/**
 * What a log may say about a database error: its class, code and cause. Never its message:
 * Drizzle's names the statement and its parameters, which hold visitor keys in readers mode.
 * A server message is kept unless it is a data exception (SQLSTATE class 22), whose text can
 * quote a value.
 */
export function describeDatabaseError(error: unknown): { error: string; code?: string; cause?: string } {
  const errors = [...chain(error)]
  if (errors.length === 0) return { error: typeof error }
  const code = errors.map(codeOf).find((c) => c !== undefined)
  const innermost = errors.at(-1)!
  const quotesNothing = !(innermost instanceof DrizzleQueryError) && !codeOf(innermost)?.startsWith('22')
  return {
    error: classOf(errors[0]!),
    code,
    cause: quotesNothing ? `${classOf(innermost)}: ${innermost.message}` : classOf(innermost),
  }
}
