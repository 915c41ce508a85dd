import { Hono, type MiddlewareHandler } from 'hono'
import { html } from 'hono/html'
import { z } from 'zod'
import type { Counting } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import { dailyCountsFor, siteDailyCounts, siteSummary } from '../../db/history.ts'
import type { Readiness } from '../../db/readiness.ts'
import { OutagePage } from '../../render/outage-page.tsx'
import { css } from '../../render/styles.ts'
import { requireDatabase } from '../require-database.ts'
import { type Site, withTitles } from '../site-pages.ts'
import { type StatsCredentials, statsAccess } from '../stats-access.ts'
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

// A person reads /stats in a browser: a 503 (database not ready, or a query that found it away)
// leaves as a page, after onError has logged and counted it as for any route.
const outagePage = `<!doctype html>${<OutagePage />}`
const outageAsPage: MiddlewareHandler = async function outageAsPage(c, next) {
  await next()
  if (c.res.status === 503) c.res = c.html(outagePage, 503, headers)
}

export interface StatsRouteDeps {
  db: Database
  counting: Pick<Counting, 'today'>
  readiness: Pick<Readiness, 'isReady'>
  credentials?: StatsCredentials
  site?: Site
}

/** GET /stats: the owner's page of totals, charts and top pages; private once a credential is set. */
export function createStatsRoute({ db, counting, readiness, credentials = {}, site = {} }: StatsRouteDeps) {
  const routes = new Hono().use('/stats', outageAsPage, requireDatabase(readiness))
  const access = statsAccess(credentials)
  if (access) routes.use('/stats', access)
  const top = z.object({ top: z.coerce.number().int().min(1).max(100).default(20) })
  return routes.get('/stats', validate('query', top), async (c) => {
    const today = counting.today()
    const [summary, daily] = await Promise.all([
      siteSummary(db, today, c.req.valid('query').top),
      siteDailyCounts(db, today, 90),
    ])
    // Loaded at the first visit: the page, its charts and their formatting are code most starts never run.
    const { StatsPage } = await import('../../render/stats-page.tsx')
    const trends = await dailyCountsFor(
      db,
      summary.top.map((post) => post.slug),
      today,
      30,
    )
    return c.html(
      html`<!doctype html>${(
        <StatsPage
          today={today}
          summary={{ ...summary, top: withTitles(site, summary.top) }}
          daily={daily}
          trends={trends}
        />
      )}`,
      200,
      headers,
    )
  })
}
