// bun run import FILE [--mode add|replace] [--dry-run] [--format NAME]: loads an export (docs/transfer.md).
import { parseArgs } from 'node:util'
import { siteHosts } from '../counting/referrers.ts'
import { openConfiguredDatabase } from '../db/client.ts'
import { exitIfDataDirInUse } from '../db/data-dir-lock.ts'
import { loadEnv } from '../env.ts'
import { type FormatName, formatNames } from '../transfer/dataset.ts'
import { readDataset } from '../transfer/formats.ts'
import { describeSummary, type ImportMode, importDataset } from '../transfer/import.ts'
import { InvalidFile } from '../transfer/row-checks.ts'

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: bun run import FILE [--mode add|replace] [--dry-run] [--format ${formatNames.join('|')}]`,
  )
  process.exit(2)
}

const options = {
  mode: { type: 'string', default: 'add' },
  'dry-run': { type: 'boolean', default: false },
  format: { type: 'string' },
} as const
let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: typeof options }>>
try {
  parsed = parseArgs({ allowPositionals: true, options })
} catch (error) {
  usage((error as Error).message)
}
const { values: flags, positionals } = parsed
if (positionals.length !== 1) usage('name exactly one file to import')
if (flags.mode !== 'add' && flags.mode !== 'replace') usage(`--mode must be add or replace, not ${flags.mode}`)
if (flags.format !== undefined && !formatNames.includes(flags.format as FormatName))
  usage(`--format must be one of ${formatNames.join(', ')}`)
const file = positionals[0]!
if (!(await Bun.file(file).exists())) usage(`cannot read ${file}`)

const env = loadEnv()
let dataset: Awaited<ReturnType<typeof readDataset>>
try {
  dataset = await readDataset(file, {
    format: flags.format as FormatName | undefined,
    trailingSlash: env.TRAILING_SLASH,
    timeZone: env.TIME_ZONE,
    // As the live count reads them: a referral from the site itself is none, and a day's distinct
    // values of a kind are bounded.
    siteHosts: new Set(siteHosts([env.SITE_URL, ...env.CORS_ORIGINS])),
    valuesPerDay: env.BREAKDOWN_VALUES_PER_DAY,
  })
} catch (error) {
  if (!(error instanceof InvalidFile)) throw error
  console.error(`${file}: nothing imported, ${error.problems.length} problem(s):`)
  for (const { where, message } of error.problems) console.error(`  ${where}: ${message}`)
  process.exit(1)
}

const database = await openConfiguredDatabase(env, 1).catch(exitIfDataDirInUse)
try {
  await database.migrate()
  const summary = await importDataset(database.db, dataset, {
    mode: flags.mode as ImportMode,
    dryRun: flags['dry-run'],
  })
  for (const line of describeSummary(summary)) console.log(line)
} finally {
  await database.close()
}
