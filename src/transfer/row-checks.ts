import { z } from 'zod'
import { decodeSlug, InvalidSlug } from '../counting/slug.ts'
import { breakdownKind, breakdownValue } from './breakdown-rows.ts'

// What a row of any format must be, and how its problems are told: every row is checked before
// anything is written, and a file with any bad row is refused listing them all.

export interface Problem {
  /** `line 7` for CSV, `views[3]` for JSON. */
  where: string
  message: string
}

export class InvalidFile extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((problem) => `${problem.where}: ${problem.message}`).join('\n'))
  }
}

// A stored slug is checked by the API's own rules; encoding it first makes decodeSlug's one
// decoding a no-op, so "100%" stays "100%" instead of failing as a bad escape.
export function slugProblem(slug: string): string | undefined {
  try {
    decodeSlug(encodeURIComponent(slug))
    return undefined
  } catch (error) {
    if (!(error instanceof InvalidSlug)) throw error
    return error.message
  }
}

// One message for a missing or mistyped value, as zod 3 phrases it through an error map.
export const saying = (message: string) => ({ errorMap: () => ({ message }) })

const slug = z.string(saying('slug is missing')).superRefine((value, ctx) => {
  const problem = slugProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

// A total or a day may be 0 (a page known but not yet read); a breakdown row exists only once counted.
function wholeCount(min: 0 | 1) {
  const wholeNumber = `count must be a whole number, ${min} or more`
  return z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^[0-9]{1,16}$/)
          .transform(Number),
      ],
      saying(wholeNumber),
    )
    .pipe(
      z.number().int('count is too large or not whole').safe('count is too large or not whole').min(min, wholeNumber),
    )
}
const count = wholeCount(0)

export const day = z
  .string(saying('day must be a calendar day as YYYY-MM-DD'))
  .date('day must be a calendar day as YYYY-MM-DD')

// Whatever psql prints for a timestamptz under the default DateStyle, and ISO 8601: an offset is
// required, since a bare time would be read in whatever zone the importing session happens to use.
const timestampPattern =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/
export const timestamp = z.string(saying('last_seen is missing')).refine((value) => {
  const parts = timestampPattern.exec(value)
  if (!parts) return false
  const offset =
    parts[3] === 'Z' ? 'Z' : `${parts[3]!.slice(0, 3)}:${parts[3]!.slice(3).replace(':', '').slice(0, 2) || '00'}`
  return !Number.isNaN(Date.parse(`${parts[1]}T${parts[2]}${offset}`))
}, 'last_seen must be a timestamp with a time zone, e.g. 2025-01-31T12:00:00Z')

export const totalRow = z.object({ slug, count, lastSeen: timestamp })
export const dailyRow = z.object({ slug, day, count })
export const breakdownRow = z.object({
  kind: breakdownKind,
  day,
  value: breakdownValue,
  slug,
  count: wholeCount(1),
})

/** Validates one row; problems go to the list and the row is dropped. */
export function checkRow<Schema extends z.ZodTypeAny>(
  schema: Schema,
  value: unknown,
  where: string,
  problems: Problem[],
): z.output<Schema> | undefined {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) problems.push({ where, message: issue.message })
  return undefined
}
