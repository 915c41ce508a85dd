import { bigint, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

// Column for column the reference service's table, so either service can run on the same data.
export const views = pgTable('views', {
  slug: text('slug').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().defaultNow(),
})

// Who has been counted recently, as keyed hashes only: no address, no User-Agent, nothing
// reversible without a salt that lives in the service's memory and configuration, never here.
export const recentVisits = pgTable('recent_visits', {
  visitor: text('visitor').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
}, (table) => [index('recent_visits_expires_at_idx').on(table.expiresAt)])
