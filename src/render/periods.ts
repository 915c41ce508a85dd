import type { DayCount } from '../db/history.ts'

export type Unit = 'day' | 'week' | 'month'

/** A chart bar: the views from `day` to `until`, both included. */
export interface Bar extends DayCount {
  until: string
}

// A bar per day up to 120 days (a bar stays about 5 px wide on a 640-wide chart); beyond, 365 or
// 3,700 bars of a pixel or less read as noise and cost an element each, so weeks up to 120 of
// them, then calendar months.
export const unitFor = (days: number): Unit => (days <= 120 ? 'day' : days <= 840 ? 'week' : 'month')

/** Every day (oldest first) summed into bars of `unit`: weeks counted back from the last day, so it ends a full one. */
export function barsOf(days: DayCount[], unit: Unit): Bar[] {
  if (unit === 'day') return days.map((day) => ({ ...day, until: day.day }))
  const groups: DayCount[][] = []
  if (unit === 'week') {
    for (let end = days.length; end > 0; end -= 7) groups.unshift(days.slice(Math.max(0, end - 7), end))
  } else {
    for (const day of days) {
      const last = groups.at(-1)
      if (last && last[0]!.day.slice(0, 7) === day.day.slice(0, 7)) last.push(day)
      else groups.push([day])
    }
  }
  return groups.map((group) => ({
    day: group[0]!.day,
    until: group.at(-1)!.day,
    count: group.reduce((sum, day) => sum + day.count, 0),
  }))
}
