import type { BreakdownAddition } from '../db/breakdowns.ts'
import type { Database } from '../db/client.ts'
import { type Answer, batcher, type Submission } from '../db/coalesce.ts'
import { addReaderViews, addViews, type VisitorKey } from '../db/counts.ts'
import { DatabaseBusyError } from '../db/errors.ts'
import { cancelledBy } from '../db/pool-gate.ts'
import type { Logger } from '../log.ts'
import type { BreakdownValue } from './breakdowns.ts'
import { takeBackQueue } from './take-back-queue.ts'

export interface PendingView {
  slug: string
  /** Absent when every view counts (COUNT_MODE=every, or no repeat window). */
  visitor?: VisitorKey
  now: Date
  /** What the view adds to the day's breakdowns if it counts; none in COUNT_MODE=every. */
  breakdowns?: BreakdownValue[]
}

export interface Recorded {
  count: number
  counted: boolean
}

// Gives each counted view of a slug its own number, in arrival order, as if the batch's views had
// come one by one: the last of them gets the new total.
function numberViews(
  views: PendingView[],
  counts: (view: PendingView) => boolean,
  totals: Map<string, number>,
): Recorded[] {
  const counted = new Map<string, number>()
  for (const view of views) if (counts(view)) counted.set(view.slug, (counted.get(view.slug) ?? 0) + 1)
  const next = new Map([...counted].map(([slug, n]) => [slug, totals.get(slug)! - n + 1]))
  return views.map((view) => {
    const total = totals.get(view.slug) ?? 0
    if (!counts(view)) return { count: total, counted: false }
    const count = next.get(view.slug)!
    next.set(view.slug, count + 1)
    return { count, counted: true }
  })
}

// The statement found its deadline passed before it began, and counted nothing.
function requireAll(totals: Map<string, number>, views: PendingView[]) {
  if (views.some((view) => !totals.has(view.slug)))
    throw new DatabaseBusyError('view not committed within its deadline', 'VIEW_DEADLINE')
}

// A batch's breakdowns, each (slug, kind, value) once with how many of the views add to it.
function breakdownsOf(views: PendingView[]): BreakdownAddition[] {
  const added = new Map<string, BreakdownAddition>()
  for (const { slug, breakdowns = [] } of views)
    for (const { kind, value } of breakdowns) {
      const key = `${slug}\n${kind}\n${value}`
      const row = added.get(key)
      if (row) row.n++
      else added.set(key, { slug, kind, value, n: 1 })
    }
  return [...added.values()]
}

export interface RecorderOptions {
  windowMs: number
  dayOf: (date: Date) => string
  /** BREAKDOWN_VALUES_PER_DAY (db/breakdowns.ts: a live day takes ten times as many). */
  valuesPerDay?: number
  onCommit?: () => void
  /** Views waiting for a batch beyond this many are refused at once. */
  maxQueued?: number
  log?: Logger
}

// Totals without the views being taken back.
const without = (totals: Map<string, number>, taken: PendingView[]) => {
  const left = new Map(totals)
  for (const view of taken) left.set(view.slug, left.get(view.slug)! - 1)
  return left
}

/**
 * Records views through one batching queue: a statement and a commit per batch, not per view. A
 * view is answered 200 only once committed; one whose request was answered with an error or left
 * while its statement ran, yet committed, is taken back (`take-back-queue.ts`).
 */
export function viewRecorder(
  db: Database,
  { windowMs, dayOf, valuesPerDay, onCommit, maxQueued, log }: RecorderOptions,
) {
  const takeBack = takeBackQueue(db, { log, onTakenBack: onCommit })
  const queue = batcher<PendingView, Recorded>(
    (views, notAfter, signal) =>
      cancelledBy(signal, async (): Promise<Answer<Recorded>> => {
        const now = views.at(-1)!.now
        const day = dayOf(now)
        if (windowMs === 0 || views.some((view) => !view.visitor)) {
          const additions = Map.groupBy(views, (view) => view.slug)
          const totals = await addViews(
            db,
            [...additions].map(([slug, group]) => ({ slug, n: group.length })),
            day,
            { notAfter, breakdowns: breakdownsOf(views), valuesPerDay },
          )
          requireAll(totals, views)
          onCommit?.()
          return (waiting) => {
            const gone = views.filter((_, i) => !waiting[i])
            if (gone.length > 0) takeBack.add(gone.map(({ slug, breakdowns }) => ({ slug, day, breakdowns })))
            const kept = new Set(views.filter((_, i) => waiting[i]))
            return numberViews(views, (view) => kept.has(view), without(totals, gone))
          }
        }
        // One reader twice in a batch is one candidate; the second view is a repeat whatever the first was.
        const firsts = new Map<string, PendingView>()
        for (const view of views) if (!firsts.has(view.visitor!.current)) firsts.set(view.visitor!.current, view)
        const candidates = [...firsts.values()].map(({ slug, visitor, breakdowns }) => ({
          slug,
          visitor: visitor!,
          breakdowns,
        }))
        const expiresAt = new Date(now.getTime() + windowMs)
        const { fresh, totals } = await addReaderViews(db, candidates, { now, expiresAt, day, notAfter, valuesPerDay })
        requireAll(totals, views)
        if (fresh.size > 0) onCommit?.()
        return (waiting) => {
          // A fresh reader counts with their first view still waiting for its answer; a reader with none
          // left (every view of theirs answered 503 or gone) is taken back, key and all.
          const counter = new Map<string, PendingView>()
          views.forEach((view, i) => {
            const key = view.visitor!.current
            if (waiting[i] && fresh.has(key) && !counter.has(key)) counter.set(key, view)
          })
          const gone = [...fresh].filter((key) => !counter.has(key)).map((key) => firsts.get(key)!)
          if (gone.length > 0)
            takeBack.add(
              gone.map(({ slug, visitor, breakdowns }) => ({
                slug,
                day,
                breakdowns,
                visitor: { key: visitor!.current, expiresAt: expiresAt.toISOString() },
              })),
            )
          return numberViews(views, (view) => counter.get(view.visitor!.current) === view, without(totals, gone))
        }
      }),
    { maxQueued },
  )
  return { record: (view: PendingView, submission: Submission) => queue.submit(view, submission) }
}
