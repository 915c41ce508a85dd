import type { Database } from '../../src/db/client.ts'

/**
 * How many statements the app sends while `run` runs, counted by wrapping the query builder it
 * uses (every read goes through db.select or db.execute), and restored afterwards.
 */
export async function queriesDuring(db: Database, run: () => Promise<unknown>): Promise<number> {
  let queries = 0
  const select = db.select.bind(db)
  const execute = db.execute.bind(db)
  db.select = ((...args: Parameters<typeof select>) => {
    queries++
    return select(...args)
  }) as typeof db.select
  db.execute = ((...args: Parameters<typeof execute>) => {
    queries++
    return execute(...args)
  }) as typeof db.execute
  try {
    await run()
    return queries
  } finally {
    db.select = select
    db.execute = execute
  }
}
