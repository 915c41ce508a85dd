// Tests create and drop databases freely, so they refuse any server but this machine's own.
const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
if (url && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
  throw new Error(`tests create and drop databases; refusing to run against ${new URL(url).host}`)
}
console.error(`[tests] database: ${url ? `PostgreSQL at ${new URL(url).host}` : 'embedded PGlite'}`)
