import { z } from 'zod'
import { type BreakdownKind, breakdownKinds } from '../counting/breakdowns.ts'

/** One row of daily_breakdowns as a file carries it. */
export interface BreakdownRow {
  kind: BreakdownKind
  day: string
  value: string
  slug: string
  count: number
}

/** Longest value a file may carry: every value the service stores is far shorter (hosts, families). */
export const MAX_VALUE_LENGTH = 256

const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/

export const breakdownKind = z.enum(breakdownKinds, {
  errorMap: () => ({ message: `kind must be one of ${breakdownKinds.join(', ')}` }),
})

export const breakdownValue = z
  .string({ errorMap: () => ({ message: 'value must be a string' }) })
  .min(1, 'value must not be empty')
  .max(MAX_VALUE_LENGTH, `value must be at most ${MAX_VALUE_LENGTH} characters`)
  .refine((value) => !controlCharacter.test(value), 'value must not contain control characters')

/** The key a row is stored under: one row per kind, day, value and slug, as the table's primary key. */
export const breakdownKey = (row: Omit<BreakdownRow, 'count'>) => `${row.kind}\0${row.day}\0${row.value}\0${row.slug}`
