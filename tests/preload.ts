import { isAllowedTestDatabase } from './support/database-hosts.ts'

// Tests create and drop databases freely, so they refuse any server not in TEST_DATABASE_HOSTS
// (default: this machine's own).
const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
const hosts = process.env.TEST_DATABASE_HOSTS || undefined
if (url && !isAllowedTestDatabase(url, hosts)) {
  throw new Error(
    `tests create and drop databases; refusing to run against ${new URL(url).host} (allow it in TEST_DATABASE_HOSTS)`,
  )
}
console.error(`[tests] database: ${url ? `PostgreSQL at ${new URL(url).host}` : 'embedded PGlite'}`)
