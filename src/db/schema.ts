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
