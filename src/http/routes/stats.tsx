import { Hono } from 'hono'
import { html } from 'hono/html'
import { z } from 'zod'
import type { AppEnv } from '../app.ts'
import { dailyCountsFor, siteDailyCounts, siteSummary } from '../../db/history.ts'
import { statsAccess, type StatsCredentials } from '../stats-access.ts'
import { StatsPage } from '../../render/stats-page.tsx'
import { css } from '../../render/styles.ts'
import { validate } from '../validate.ts'

const styleHash = new Bun.CryptoHasher('sha256').update(css).digest('base64')
// The page runs no script and loads nothing: the policy allows its one stylesheet and no more, so
// even a slug that slipped past escaping could not do anything.
const headers = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
}

/** GET /stats: the owner's page of totals, charts and top pages; private once a credential is set. */
export function statsRoutes(credentials: StatsCredentials = {}) {
  const routes = new Hono<AppEnv>()
  const access = statsAccess(credentials)
  if (access) routes.use('/stats', access)
  return routes.get('/stats', validate('query', z.object({ top: z.coerce.number().int().min(1).max(100).default(20) })), async (c) => {
    const { database, counting } = c.var.deps
    const today = counting.today()
    const [summary, daily] = await Promise.all([
      siteSummary(database.db, today, c.req.valid('query').top),
      siteDailyCounts(database.db, today, 90),
    ])
    const trends = await dailyCountsFor(database.db, summary.top.map((post) => post.slug), today, 30)
    return c.html(html`<!doctype html>${<StatsPage today={today} summary={summary} daily={daily} trends={trends} />}`, 200, headers)
  })
}
