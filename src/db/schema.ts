import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

// Column for column the reference service's table, so either service can run on the same data.
export const views = pgTable('views', {
  slug: text('slug').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().defaultNow(),
})
