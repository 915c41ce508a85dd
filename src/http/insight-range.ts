import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import type { DayBounds } from '../render/range-parts.tsx'

/** The ranges the stats page offers as links: the last N days ending today, or all of history. */
export const presets = ['7', '30', '90', '365', 'all'] as const
export type Preset = (typeof presets)[number]

/** Ten years and a little: any from–to longer than this is a typo, and its answer would be large. */
export const MAX_RANGE_DAYS = 3700
const DAY_MS = 86_400_000

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS
export const addDays = (day: string, days: number) =>
  new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10)
/** Days from `from` to `to`, both included. */
export const spanDays = (from: string, to: string) => dayNumber(to) - dayNumber(from) + 1

/**
 * The first day a range may start on. No web page was viewed before it, and it keeps every date we
 * compute printable as YYYY-MM-DD: a range in year 1 has a previous period before year 0, which
 * toISOString writes as "-000004-12-31" and PostgreSQL cannot read (nor year 0000, which it lacks).
 */
export const FIRST_DAY = '1970-01-01'

/** The last day a range may end on: tomorrow, as the site's time zone may already be a day ahead of the reader's. */
export const lastDay = (today: string) => addDays(today, 1)

/** The days a range may span, for the form's date fields: the browser then asks only what the API takes. */
export const dayBounds = (today: string): DayBounds => ({ first: FIRST_DAY, last: lastDay(today) })

// A calendar day, refused when it does not exist (2026-02-30): Date would roll it into March.
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((day) => !Number.isNaN(dayNumber(day)) && addDays(day, 0) === day, 'no such day')
  .refine((day) => day >= FIRST_DAY, `must not be before ${FIRST_DAY}`)

/** `range=7|30|90|365|all` or `from=YYYY-MM-DD&to=YYYY-MM-DD`; extend it with a route's own fields. */
/** `?top=`: how many pages or values a report lists, 1–100. */
export const topCount = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback)

export const rangeFields = z.object({
  range: z.enum(presets).optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
})
type RangeFields = z.infer<typeof rangeFields>

/** The checks across fields, for `rangeFields` (or an extension of it) `.superRefine(checkRange)`. */
export function checkRange(query: RangeFields, ctx: z.RefinementCtx) {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
  if (query.from === undefined && query.to === undefined) return
  if (query.from === undefined || query.to === undefined)
    return issue(query.from ? 'to' : 'from', 'from and to go together')
  if (query.range !== undefined) return issue('range', 'give either range or from and to, not both')
  if (query.from > query.to) return issue('from', 'must not be after to')
  if (spanDays(query.from, query.to) > MAX_RANGE_DAYS) issue('to', `a range spans at most ${MAX_RANGE_DAYS} days`)
}

export interface Period {
  from: string
  to: string
  days: number
}

/** A range as asked, before `all` knows its first day; `key` names it for the read cache. */
export interface RequestedRange {
  preset: Preset | null
  to: string
  /** Null for `all`: it starts on the first day with views. */
  from: string | null
  key: string
}

export function requestedRange(query: RangeFields, today: string): RequestedRange {
  if (query.from !== undefined && query.to !== undefined) {
    if (query.to > lastDay(today)) throw new HTTPException(400, { message: 'to: must not be after tomorrow' })
    return { preset: null, from: query.from, to: query.to, key: `${query.from}..${query.to}` }
  }
  const preset = query.range ?? '30'
  const from = preset === 'all' ? null : addDays(today, 1 - Number(preset))
  // A preset moves with the day, so today is part of its key.
  return { preset, from, to: today, key: `${preset}@${today}` }
}

export interface Range extends Period {
  preset: Preset | null
  /** The same number of days right before; none for `all`. */
  previous: Period | null
}

/** The range with its days known: `all` starts at `firstDay` (the range's last day when nothing was viewed). */
export function resolveRange(asked: RequestedRange, firstDay: string | null): Range {
  const to = asked.to
  if (asked.from === null) {
    const from = firstDay !== null && firstDay < to ? firstDay : to
    return { preset: asked.preset, from, to, days: spanDays(from, to), previous: null }
  }
  const days = spanDays(asked.from, to)
  const previous = { from: addDays(asked.from, -days), to: addDays(asked.from, -1), days }
  return { preset: asked.preset, from: asked.from, to, days, previous }
}
