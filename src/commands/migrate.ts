// bun run db:migrate: applies the migrations the service would apply at start, under the same
// advisory lock, and says in plain lines what it did (see docs/operations.md).
import { sql } from 'drizzle-orm'
import { type Database, openConfiguredDatabase } from '../db/client.ts'
import { exitIfDataDirInUse } from '../db/data-dir-lock.ts'
import { diagnoseDatabaseError } from '../db/diagnosis.ts'
import { describeDatabaseError } from '../db/errors.ts'
import { rowsOf } from '../db/rows.ts'
import { loadEnv } from '../env.ts'
import type { Logger } from '../log.ts'

const say = (line: string) => console.log(line)
const plain: Logger = { debug: () => {}, info: say, warn: say, error: say }

const env = loadEnv()
if (!env.DATABASE_URL) {
  say(
    `no PostgreSQL configured (set DATABASE_URL, or DB_HOST with DB_NAME, DB_USER and DB_PASSWORD): migrating the embedded database in ${env.DATA_DIR}`,
  )
}
const database = await openConfiguredDatabase(env, 1, { log: plain }).catch(exitIfDataDirInUse)

// The migrations drizzle has recorded; none before the first run creates its table.
const applied = async (db: Database) =>
  db
    .execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)
    .then((result) => rowsOf<{ n: number }>(result)[0]!.n)
    .catch(() => 0)

try {
  const before = await applied(database.db)
  await database.migrate()
  const after = await applied(database.db)
  say(
    after > before
      ? `applied ${after - before} migration(s); the schema is up to date (${after} in all)`
      : `nothing to apply; the schema is up to date (${after} migrations)`,
  )
} catch (error) {
  const problem = database.settings && diagnoseDatabaseError(error, database.settings)
  const { code, cause } = describeDatabaseError(error)
  console.error(`cannot migrate: ${problem ? `${problem.summary}; ${problem.fix}` : (cause ?? code)}`)
  process.exitCode = 1
} finally {
  await database.close()
}
