import { bigint, date, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

// Column for column the reference service's table, so either service can run on the same data.
export const views = pgTable('views', {
  slug: text('slug').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().defaultNow(),
})

// Who has been counted recently, as keyed hashes only: no address, no User-Agent, nothing
// reversible without a salt that lives in the service's memory and configuration, never here.
export const recentVisits = pgTable(
  'recent_visits',
  {
    visitor: text('visitor').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('recent_visits_expires_at_idx').on(table.expiresAt)],
)

// Views per page per day (in the service's TIME_ZONE), written in the same statement as the total,
// so the days of a page always add up to what it gained since history began.
export const dailyViews = pgTable(
  'daily_views',
  {
    slug: text('slug').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.slug, table.day] }), index('daily_views_day_idx').on(table.day)],
)

// What readers came with, per page per day, as counts only: a referring site's host or group name,
// a campaign, a country code, browser and OS families, a device and a screen-width class. A row is
// added to only in the statement that counts a view, so bots, repeats and refused views leave none.
// `kind` is one of counting/breakdowns.ts's list; values beyond a day's limits of distinct values of
// a kind (db/breakdowns.ts live, db/breakdown-upkeep.ts once the day is over) are counted under
// OTHER_VALUE. The key leads with the day, for site-wide ranges and retention; (slug, day) serves one page.
export const dailyBreakdowns = pgTable(
  'daily_breakdowns',
  {
    kind: text('kind').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    value: text('value').notNull(),
    slug: text('slug').notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.day, table.kind, table.value, table.slug] }),
    index('daily_breakdowns_slug_day_idx').on(table.slug, table.day),
  ],
)
