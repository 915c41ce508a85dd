// English formatting everywhere the service shows a number or a day, so "1,234" reads the same
// on the page and on the badge whatever locale the server runs in.
const counts = new Intl.NumberFormat('en-US')
const shortDays = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
const longDays = new Intl.DateTimeFormat('en-US', {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
})

export const formatCount = (count: number) => counts.format(count)

/** `2026-03-19` as "Mar 19": the day is a calendar date, so it is read and shown in UTC. */
export const formatDay = (day: string) => shortDays.format(Date.parse(`${day}T00:00:00Z`))

/** `2026-03-19` as "Thu, Mar 19, 2026". */
export const formatLongDay = (day: string) => longDays.format(Date.parse(`${day}T00:00:00Z`))

export const plural = (count: number, one: string, many: string) => `${formatCount(count)} ${count === 1 ? one : many}`

const dates = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' })

/** `2026-03-19` as "Mar 19, 2026". */
export const formatDate = (day: string) => dates.format(Date.parse(`${day}T00:00:00Z`))

// Bun has full ICU, so every ISO 3166 region has its English name; "T1" is Cloudflare's code for Tor
// (developers.cloudflare.com, "Cloudflare HTTP headers", CF-IPCountry), not a region.
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' })

/** "GR" as "Greece", "T1" as "Tor"; a code ICU cannot name stays as it is. */
export function countryName(code: string): string {
  if (code === 'T1') return 'Tor'
  try {
    return regions.of(code) ?? code
  } catch {
    return code
  }
}
