// bun run slugs:merge [--dry-run]: folds the rows of one page's spellings into one (docs/development.md).
import { openConfiguredDatabase } from '../db/client.ts'
import { exitIfDataDirInUse } from '../db/data-dir-lock.ts'
import { mergeSlugVariants } from '../db/merge.ts'
import { loadEnv } from '../env.ts'

const dryRun = process.argv.includes('--dry-run')
const env = loadEnv()
// One connection is all a one-off command needs.
const database = await openConfiguredDatabase(env, 1).catch(exitIfDataDirInUse)
try {
  await database.migrate()
  const merges = await mergeSlugVariants(database.db, env.TRAILING_SLASH, { dryRun })
  for (const { into, from, count } of merges) console.log(`${into} <- ${from.join(', ')} (count ${count})`)
  const rows = merges.reduce((sum, merge) => sum + merge.from.length, 0)
  console.log(`${dryRun ? 'would merge' : 'merged'} ${rows} row(s) into ${merges.length} page(s)`)
} finally {
  await database.close()
}
