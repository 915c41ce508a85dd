import { z } from 'zod'
import { dayFormatter } from '../counting/calendar.ts'
import { checkSlug, decodeSlug, InvalidSlug, normaliseSlug, type TrailingSlash } from '../counting/slug.ts'
import type { Dataset } from './dataset.ts'
import { breakdownTally, goatCounterValues } from './goatcounter-breakdowns.ts'
import { checkRow, InvalidFile, type Problem, saying } from './row-checks.ts'

// GoatCounter's CSV export: one row per pageview. Its first header cell is the format version
// glued to the first column name ("2Path"; the help page shows it as "2,Path"). Columns are found
// by name, so versions 1 and 2 both read, and anything else is refused rather than guessed at.
export const goatCounterHeader = /^([0-9]+)Path$/
const supportedVersions = ['1', '2']
const required = ['Event', 'Bot', 'Date'] as const

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export interface GoatCounterOptions {
  trailingSlash: TrailingSlash
  /** The service's TIME_ZONE: a pageview at 23:30 UTC may belong to the next day there. */
  timeZone: string
  /** The site's own hosts, whose referrals are moves within the site, not referrers. */
  siteHosts?: Set<string>
  /** BREAKDOWN_VALUES_PER_DAY: distinct values of a kind per day kept; the rest fold into "(other)". */
  valuesPerDay?: number
}

const hit = z.object({
  event: z.enum(['true', 'false'], saying('Event must be true or false')),
  bot: z.string().regex(/^[0-9]+$/, 'Bot must be 0 or a bot number'),
  date: z.string().regex(rfc3339, 'Date must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z'),
  path: z.string(),
})

type Hit = z.infer<typeof hit>

// The service's own reading of a slug: the query is not part of the page, the rest is
// percent-decoded once, folded to the site's spelling, and checked as it will be stored.
export function pathToSlug(path: string, trailingSlash: TrailingSlash): { slug?: string; problem?: string } {
  try {
    const slug = normaliseSlug(decodeSlug(path.replace(/[?#].*$/s, '')), trailingSlash)
    // The site root folds to '' and is skipped by the caller, not reported.
    return { slug: slug === '' ? slug : checkSlug(slug) }
  } catch (error) {
    if (!(error instanceof InvalidSlug)) throw error
    return { problem: `Path ${JSON.stringify(path)}: ${error.message}` }
  }
}

export function goatCounterReader(
  header: string[],
  { trailingSlash, timeZone, siteHosts, valuesPerDay }: GoatCounterOptions,
) {
  const version = goatCounterHeader.exec(header[0] ?? '')?.[1]
  const problems: Problem[] = []
  if (!version || !supportedVersions.includes(version)) {
    problems.push({
      where: 'line 1',
      message: `GoatCounter export version ${version ?? '?'} is not supported (expected 1 or 2)`,
    })
  }
  const index = Object.fromEntries(required.map((name) => [name, header.indexOf(name)]))
  for (const name of required)
    if (index[name] === -1) problems.push({ where: 'line 1', message: `GoatCounter header has no ${name} column` })
  if (problems.length > 0) throw new InvalidFile(problems)

  const dayOf = dayFormatter(timeZone)
  // Breakdowns are tallied for exactly the pageviews that count, so they add up the same.
  const valuesOf = goatCounterValues(header, version!, siteHosts)
  const breakdowns = breakdownTally()
  const history = new Map<string, Map<string, number>>()
  const lastSeen = new Map<string, number>()
  const skipped = { bots: 0, events: 0, 'site root': 0 }
  let rowsRead = 0

  function count(row: Hit, record: string[], where: string) {
    if (row.event === 'true') return void skipped.events++
    if (row.bot !== '0') return void skipped.bots++
    const { slug, problem } = pathToSlug(row.path, trailingSlash)
    if (problem !== undefined) return void problems.push({ where, message: problem })
    // "/" is the home page, which the Hugo component never counts: nothing to carry over.
    if (slug === '') return void skipped['site root']++
    const at = Date.parse(row.date)
    if (Number.isNaN(at)) return void problems.push({ where, message: `Date ${row.date} is not a real time` })
    const day = dayOf(at)
    if (!history.has(slug!)) history.set(slug!, new Map())
    const days = history.get(slug!)!
    days.set(day, (days.get(day) ?? 0) + 1)
    lastSeen.set(slug!, Math.max(lastSeen.get(slug!) ?? 0, at))
    breakdowns.add(slug!, day, valuesOf(record, row.path))
  }

  return {
    problems,
    row(record: string[], where: string) {
      rowsRead++
      if (record.length !== header.length) {
        return void problems.push({ where, message: `has ${record.length} fields, the header has ${header.length}` })
      }
      const value = { path: record[0], event: record[index.Event!], bot: record[index.Bot!], date: record[index.Date!] }
      const row = checkRow(hit, value, where, problems)
      if (row) count(row, record, where)
    },
    finish(): Dataset {
      if (problems.length > 0) throw new InvalidFile(problems)
      const totals = new Map(
        [...history].map(([slug, days]) => [
          slug,
          {
            count: [...days.values()].reduce((sum, n) => sum + n, 0),
            lastSeen: new Date(lastSeen.get(slug)!).toISOString(),
          },
        ]),
      )
      return {
        format: 'goatcounter',
        totals,
        history,
        breakdowns: breakdowns.finish(valuesPerDay),
        rowsRead,
        skipped,
      }
    },
  }
}
