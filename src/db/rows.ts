/**
 * The rows of a raw `db.execute()` on either driver: postgres.js answers with the rows themselves,
 * PGlite with a result that holds them under `rows` (drizzle-orm's pglite session reads `result.rows`).
 */
export const rowsOf = <T = Record<string, unknown>>(result: unknown): T[] =>
  (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
