import { afterEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../../src/db/rows.ts'
import { views } from '../../src/db/schema.ts'
import { appOn } from '../support/app.ts'
import { freshDatabase, type TestDatabase } from '../support/database.ts'
import { migrationCount } from '../support/migrations.ts'

// Verbatim from the reference service's init_db().
const referenceDdl = `
  CREATE TABLE IF NOT EXISTS views (
      slug        TEXT PRIMARY KEY,
      count       BIGINT NOT NULL DEFAULT 0,
      last_seen   TIMESTAMPTZ NOT NULL DEFAULT now()
  )`

let database: TestDatabase
afterEach(() => database.drop())

const columns = (db: TestDatabase['handle']['db']) =>
  db.execute(sql`select column_name, data_type, is_nullable, column_default
                 from information_schema.columns where table_schema = 'public' and table_name = 'views' order by ordinal_position`)

describe('migrations', () => {
  test('a fresh database gets the reference table, column for column', async () => {
    database = await freshDatabase()
    await database.handle.db.execute(sql.raw(referenceDdl.replace('views', 'reference_shape')))
    await database.handle.migrate()
    const ours = rowsOf(await columns(database.handle.db))
    const theirs = rowsOf(
      await database.handle.db.execute(sql`select column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_schema = 'public' and table_name = 'reference_shape' order by ordinal_position`),
    )
    expect(ours).toEqual(theirs)
    expect(ours.length).toBe(3)
  })

  test("adopting a reference service's database keeps every row exactly", async () => {
    database = await freshDatabase()
    const { db } = database.handle
    await db.execute(sql.raw(referenceDdl))
    await db.execute(sql`insert into views (slug, count, last_seen) values
      ('posts/my-post/', 1234, '2024-03-19 10:00:00+00'),
      ('posts/γεια/', 9007199254740991, '2025-01-01 00:00:00.123456+00'),
      ('about/', 0, '2023-06-01 12:34:56+00')`)
    const before = rowsOf(await db.execute(sql`select slug, count::text, last_seen::text from views order by slug`))

    await database.handle.migrate()

    const after = rowsOf(await db.execute(sql`select slug, count::text, last_seen::text from views order by slug`))
    expect(after).toEqual(before)
    expect(rowsOf(await db.execute(sql`select to_regclass('views_reference') as leftover`))).toEqual([
      { leftover: null },
    ])
    const response = await appOn(database.handle).request('/views/posts/my-post/', { method: 'POST' })
    expect(await response.json()).toEqual({ slug: 'posts/my-post/', count: 1235 })
  })

  test('migrating twice is a no-op that keeps the data', async () => {
    database = await freshDatabase()
    await database.handle.migrate()
    await database.handle.db.insert(views).values({ slug: 'kept', count: 7 })
    await database.handle.migrate()
    expect(await database.handle.db.select({ slug: views.slug, count: views.count }).from(views)).toEqual([
      { slug: 'kept', count: 7 },
    ])
    const applied = rowsOf(
      await database.handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    )
    expect(applied).toEqual([{ n: migrationCount }])
  })
})
