/**
 * The rows of a raw `db.execute()` on either driver: postgres.js answers with the rows themselves,
 * PGlite with a result that holds them under `rows` (drizzle-orm's pglite session reads `result.rows`).
 */
export const rowsOf = <T = Record<string, unknown>>(result: unknown): T[] =>
  (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]

/** How many rows a raw `db.execute()` of an insert, update or delete changed, on either driver. */
export const affectedRows = (result: unknown): number =>
  (result as { count?: number }).count ?? (result as { affectedRows?: number }).affectedRows ?? 0

// Lists travel as one text parameter each, split in SQL with string_to_array(..., chr(31)): the same
// statement text for any batch size (one prepared statement), on both drivers. Slugs, visitor keys
// and breakdown values cannot hold control characters, so the unit separator cannot occur in one.
export const list = (values: (string | number)[]) => values.join('\x1f')
