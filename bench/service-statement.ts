import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Database } from '../src/db/client.ts'
import { addViews } from '../src/db/counts.ts'

// Stand-ins that cannot occur in a real parameter, so each one's place in the SQL can be found.
const SLUG = 'vc-bench-slug'
const DAY = '2000-01-01'

/**
 * The SQL text the service's addViews() sends for one view of one slug, captured from the real
 * function, so the ceiling follows the service's statement whenever it changes. Parameters become
 * pgbench variables: the slug is `slugExpression`, the day `:day`, any other `:pN` (see `values`).
 */
export async function serviceUpsert(
  slugExpression: string,
): Promise<{ script: string; values: Record<string, string> }> {
  let captured: SQL | undefined
  const recorder = {
    execute: async (query: SQL) => {
      captured = query
      return []
    },
  } as unknown as Database
  await addViews(recorder, [{ slug: SLUG, n: 1 }], DAY)
  if (!captured) throw new Error('addViews() sent no statement')
  const { sql, params } = new PgDialect().sqlToQuery(captured)
  const values: Record<string, string> = {}
  // Highest number first, so that $1 never replaces the start of $10.
  const script = params.reduceRight<string>((text, value, i) => {
    const placeholder = new RegExp(`\\$${i + 1}(?!\\d)`, 'g')
    if (value === SLUG) return text.replace(placeholder, slugExpression)
    if (value === DAY) return text.replace(placeholder, ':day')
    values[`p${i + 1}`] = String(value)
    return text.replace(placeholder, `:p${i + 1}`)
  }, sql)
  return { script: `${script.trim()};\n`, values }
}
