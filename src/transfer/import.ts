import { inArray, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { dailyBreakdowns, dailyViews, views } from '../db/schema.ts'
import type { Dataset } from './dataset.ts'

export type ImportMode = 'add' | 'replace'

export interface ImportSummary {
  format: Dataset['format']
  mode: ImportMode
  dryRun: boolean
  rowsRead: number
  skipped: Record<string, number>
  /** Slugs the file names, and how many of them the database did not have yet. */
  slugs: number
  newSlugs: number
  /** Sum of the named slugs' totals before and after (equal when the file carries no totals). */
  viewsBefore: number
  viewsAfter: number
  /** Rows of daily history in the file, and the days they span. */
  dailyRows: number
  firstDay?: string
  lastDay?: string
  /** Rows of daily breakdowns in the file; undefined when its format carries none. */
  breakdownRows?: number
}

// Well under PostgreSQL's 65,535 parameters per statement for rows of up to five columns.
const chunkSize = 1000

/**
 * Loads a dataset in one transaction. `add` adds the file's counts to what is there (totals, days
 * and breakdowns alike); `replace` makes each named slug's total, and its history and breakdowns
 * when the file has them, exactly the file's. Slugs the file does not name are never touched. A
 * dry run reads the same things and writes nothing.
 */
export async function importDataset(
  db: Database,
  data: Dataset,
  { mode, dryRun }: { mode: ImportMode; dryRun: boolean },
): Promise<ImportSummary> {
  const slugs = [
    ...new Set([
      ...(data.totals?.keys() ?? []),
      ...(data.history?.keys() ?? []),
      ...(data.breakdowns ?? []).map((row) => row.slug),
    ]),
  ]
  const dailyRows = [...(data.history ?? [])].flatMap(([slug, days]) =>
    [...days].map(([day, count]) => ({ slug, day, count })),
  )
  const days = dailyRows.map((row) => row.day).sort()

  return db.transaction(async (tx) => {
    const existing = new Map<string, number>()
    for (const part of chunks(slugs)) {
      const rows = await tx
        .select({ slug: views.slug, count: views.count })
        .from(views)
        .where(inArray(views.slug, part))
        .for('update')
      for (const row of rows) existing.set(row.slug, row.count)
    }
    const viewsBefore = sumOf(existing.values())
    let viewsAfter = viewsBefore
    for (const [slug, total] of data.totals ?? [])
      viewsAfter += mode === 'add' ? total.count : total.count - (existing.get(slug) ?? 0)

    if (!dryRun) {
      for (const part of chunks([...(data.totals ?? [])])) {
        await tx
          .insert(views)
          .values(
            part.map(([slug, total]) => ({ slug, count: total.count, lastSeen: sql`${total.lastSeen}::timestamptz` })),
          )
          .onConflictDoUpdate({
            target: views.slug,
            set:
              mode === 'add'
                ? {
                    count: sql`${views.count} + excluded.count`,
                    lastSeen: sql`greatest(${views.lastSeen}, excluded.last_seen)`,
                  }
                : { count: sql`excluded.count`, lastSeen: sql`excluded.last_seen` },
          })
      }
      if (mode === 'replace' && data.history) {
        for (const part of chunks(slugs)) await tx.delete(dailyViews).where(inArray(dailyViews.slug, part))
      }
      for (const part of chunks(dailyRows)) {
        await tx
          .insert(dailyViews)
          .values(part)
          .onConflictDoUpdate({
            target: [dailyViews.slug, dailyViews.day],
            set: { count: sql`${dailyViews.count} + excluded.count` },
          })
      }
      if (mode === 'replace' && data.breakdowns) {
        for (const part of chunks(slugs)) await tx.delete(dailyBreakdowns).where(inArray(dailyBreakdowns.slug, part))
      }
      for (const part of chunks(data.breakdowns ?? [])) {
        await tx
          .insert(dailyBreakdowns)
          .values(part)
          .onConflictDoUpdate({
            target: [dailyBreakdowns.day, dailyBreakdowns.kind, dailyBreakdowns.value, dailyBreakdowns.slug],
            set: { count: sql`${dailyBreakdowns.count} + excluded.count` },
          })
      }
    }

    return {
      format: data.format,
      mode,
      dryRun,
      rowsRead: data.rowsRead,
      skipped: data.skipped,
      slugs: slugs.length,
      newSlugs: slugs.filter((slug) => !existing.has(slug)).length,
      viewsBefore,
      viewsAfter,
      dailyRows: dailyRows.length,
      firstDay: days[0],
      lastDay: days.at(-1),
      breakdownRows: data.breakdowns?.length,
    }
  })
}

/** The summary as the import command prints it. */
export function describeSummary(summary: ImportSummary): string[] {
  const skipped = Object.entries(summary.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
  const change = summary.viewsAfter - summary.viewsBefore
  return [
    `format: ${summary.format}, mode: ${summary.mode}${summary.dryRun ? ', dry run' : ''}`,
    `rows read: ${summary.rowsRead}${skipped.length > 0 ? ` (not counted: ${skipped.join(', ')})` : ''}`,
    `slugs: ${summary.slugs} (${summary.newSlugs} new)`,
    `views of these slugs: ${summary.viewsBefore} -> ${summary.viewsAfter} (${change >= 0 ? '+' : ''}${change}${summary.mode === 'replace' ? ', replaced' : ', added'})`,
    `daily rows: ${summary.dailyRows}${summary.firstDay ? ` (${summary.firstDay} to ${summary.lastDay})` : ''}`,
    ...(summary.breakdownRows === undefined ? [] : [`breakdown rows: ${summary.breakdownRows}`]),
    summary.dryRun ? 'dry run: nothing was written' : 'imported in one transaction',
  ]
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += chunkSize) yield items.slice(i, i + chunkSize)
}

const sumOf = (counts: Iterable<number>) => [...counts].reduce((sum, n) => sum + n, 0)
