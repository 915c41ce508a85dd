import type { Database } from '../db/client.ts'
import { batcher, type Submission } from '../db/coalesce.ts'
import { addReaderViews, addViews, type VisitorKey } from '../db/counts.ts'
import { DatabaseBusyError } from '../db/errors.ts'
import { cancelledBy } from '../db/pool-gate.ts'

export interface PendingView {
  slug: string
  /** Absent when every view counts (COUNT_MODE=every, or no repeat window). */
  visitor?: VisitorKey
  now: Date
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

export interface RecorderOptions {
  windowMs: number
  dayOf: (date: Date) => string
  onCommit?: () => void
  /** Views waiting for a batch beyond this many are refused at once. */
  maxQueued?: number
}

/**
 * Records views through one batching queue: a statement and a commit per batch, not per view. A
 * view is committed before its deadline or not at all, and not once its request is aborted.
 */
export function viewRecorder(db: Database, { windowMs, dayOf, onCommit, maxQueued }: RecorderOptions) {
  const queue = batcher<PendingView, Recorded>(
    (views, notAfter, signal) =>
      cancelledBy(signal, async () => {
        const now = views.at(-1)!.now
        const day = dayOf(now)
        if (windowMs === 0 || views.some((view) => !view.visitor)) {
          const additions = Map.groupBy(views, (view) => view.slug)
          const totals = await addViews(
            db,
            [...additions].map(([slug, group]) => ({ slug, n: group.length })),
            day,
            notAfter,
          )
          requireAll(totals, views)
          onCommit?.()
          return numberViews(views, () => true, totals)
        }
        // One reader twice in a batch is one candidate; the second view is a repeat whatever the first was.
        const firsts = new Map<string, PendingView>()
        for (const view of views) if (!firsts.has(view.visitor!.current)) firsts.set(view.visitor!.current, view)
        const candidates = [...firsts.values()].map(({ slug, visitor }) => ({ slug, visitor: visitor! }))
        const { fresh, totals } = await addReaderViews(db, candidates, { now, day, windowMs, notAfter })
        requireAll(totals, views)
        if (fresh.size > 0) onCommit?.()
        const counts = (view: PendingView) =>
          fresh.has(view.visitor!.current) && firsts.get(view.visitor!.current) === view
        return numberViews(views, counts, totals)
      }),
    { maxQueued },
  )
  return { record: (view: PendingView, submission: Submission) => queue.submit(view, submission) }
}
