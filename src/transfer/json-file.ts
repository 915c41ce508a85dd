import { z } from 'zod'
import { type BreakdownRow, breakdownKind } from './breakdown-rows.ts'
import { collector, type Dataset } from './dataset.ts'
import { day, InvalidFile, saying } from './row-checks.ts'

/** The version export.ts writes. Version 1 (totals and days, no breakdowns) still reads as it always did. */
export const JSON_VERSION = 2

const exportFile = z
  .object({
    format: z.literal('view-counter', saying('format must be "view-counter"')),
    version: z.union([z.literal(1), z.literal(2)], saying('version must be 1 or 2, the versions this service knows')),
    views: z.array(z.unknown(), saying('views must be an array')),
    daily: z.array(z.unknown(), saying('daily must be an array')),
    breakdowns: z.array(z.unknown(), saying('breakdowns must be an array')).optional(),
  })
  .superRefine((file, ctx) => {
    // A version 1 file with breakdowns was not written by this service; reading it as version 1
    // would drop them silently, so it is refused like any other mistake.
    if (file.version === 1 && file.breakdowns !== undefined)
      ctx.addIssue({ code: 'custom', message: 'breakdowns come only in version 2 files' })
    if (file.version === 2 && file.breakdowns === undefined)
      ctx.addIssue({ code: 'custom', message: 'breakdowns must be an array' })
  })

// Version 2's breakdowns, grouped by day and kind as the table's key orders them: one group per
// line, each count as [value, slug, count], so a file repeats neither kind nor day per row.
const group = z.object({
  kind: breakdownKind,
  day,
  counts: z.array(z.unknown(), saying('counts must be an array of [value, slug, count]')),
})

export function readJson(text: string): Dataset {
  let document: unknown
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new InvalidFile([{ where: 'file', message: `not valid JSON: ${(error as Error).message}` }])
  }
  const file = exportFile.safeParse(document)
  if (!file.success)
    throw new InvalidFile(file.error.issues.map((issue) => ({ where: 'file', message: issue.message })))
  const rows = collector('json')
  file.data.views.forEach((row, i) => rows.total(row, `views[${i}]`))
  file.data.daily.forEach((row, i) => rows.daily(row, `daily[${i}]`))
  file.data.breakdowns?.forEach((value, i) => {
    const parsed = group.safeParse(value)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) rows.problem(`breakdowns[${i}]`, issue.message)
      return
    }
    const { kind, day, counts } = parsed.data
    counts.forEach((entry, j) => {
      const where = `breakdowns[${i}].counts[${j}]`
      if (!Array.isArray(entry) || entry.length !== 3) return rows.unreadable(where, 'must be [value, slug, count]')
      const [value, slug, count] = entry
      rows.breakdown({ kind, day, value, slug, count }, where)
    })
  })
  return rows.finish({ totals: true, history: true, breakdowns: file.data.version === 2 })
}

type Write = (chunk: string) => Promise<void> | void
/** As stored: the kind column is text, whatever counting/breakdowns.ts lists today. */
export type StoredBreakdown = Omit<BreakdownRow, 'kind'> & { kind: string }

/** Writes the JSON export from pages of rows; returns how many of each it wrote. */
export async function writeJsonExport(
  write: Write,
  { now, timeZone }: { now: Date; timeZone: string },
  rows: {
    totals: AsyncIterable<object[]>
    daily: AsyncIterable<object[]>
    breakdowns: AsyncIterable<StoredBreakdown[]>
  },
) {
  // One row per line, so the file diffs and greps well, and no more than a page is ever held.
  await write(
    `{"format":"view-counter","version":${JSON_VERSION},"exportedAt":${JSON.stringify(now.toISOString())},"timeZone":${JSON.stringify(timeZone)},\n"views":[`,
  )
  const views = await writeJsonRows(write, rows.totals)
  await write('\n],\n"daily":[')
  const daily = await writeJsonRows(write, rows.daily)
  await write('\n],\n"breakdowns":[')
  const breakdowns = await writeBreakdownGroups(write, rows.breakdowns)
  await write('\n]}\n')
  return { views, daily, breakdowns }
}

async function writeJsonRows<T>(write: Write, rows: AsyncIterable<T[]>) {
  let count = 0
  for await (const page of rows) {
    await write(page.map((row, i) => `${count + i === 0 ? '' : ','}\n${JSON.stringify(row)}`).join(''))
    count += page.length
  }
  return count
}

// One line per day and kind, in the table's key order (readJson reads it back), continued across
// pages: a group may be longer than a page, and only the group being written is open, so memory
// stays at one page.
async function writeBreakdownGroups(write: Write, rows: AsyncIterable<StoredBreakdown[]>) {
  let count = 0
  let open: string | undefined
  for await (const page of rows) {
    let chunk = ''
    for (const row of page) {
      const group = `${row.day}\0${row.kind}`
      if (group !== open) {
        chunk += `${open === undefined ? '' : ']},'}\n{"kind":${JSON.stringify(row.kind)},"day":"${row.day}","counts":[`
        open = group
      } else chunk += ','
      chunk += JSON.stringify([row.value, row.slug, row.count])
    }
    count += page.length
    await write(chunk)
  }
  if (open !== undefined) await write(']}')
  return count
}
