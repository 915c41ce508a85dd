import { HTTPException } from 'hono/http-exception'
import type { AppContext } from '../http/app.ts'
import type { Database } from '../db/client.ts'
import { readCount } from '../db/counts.ts'
import type { PageAllowlist } from './page-allowlist.ts'
import { rateLimiter } from './rate-limit.ts'
import { viewRecorder, type PendingView } from './recorder.ts'
import { checkSlug, decodeSlug, normaliseSlug, type TrailingSlash } from './slug.ts'
import { addressMatcher, clientAddress, isAutomated, readerNetwork, visitorKeys, type ClientIpHeader } from './visitors.ts'

export interface CountingOptions {
  mode: 'readers' | 'every'
  trailingSlash: TrailingSlash
  repeatWindowMinutes: number
  ratePerMinute: number
  clientIpHeader: ClientIpHeader
  ignoreAddresses: string[]
  visitorHashSecret?: string
  pages?: PageAllowlist
  /** Called after a view commits, e.g. to invalidate cached reads. */
  onCommit?: () => void
  /** A view not committed this many ms after it arrived is not counted, and answered 503. */
  viewDeadlineMs?: number
  /** Views waiting for the database beyond this many are answered 503 at once. */
  viewQueueMax?: number
  /** The time zone whose calendar days the daily history uses. */
  timeZone?: string
  clock?: () => Date
}

export type Outcome = 'counted' | 'repeat' | 'bot' | 'ignored' | 'rate-limited' | 'unknown-page'

export interface ViewResult {
  count: number
  counted: boolean
  outcome: Outcome
}

// Decides whether a POST is a reader's view, and counts it. COUNT_MODE=every skips every rule,
// as the reference did; the default counts each reader once per page per window.
export function counting(db: Database, options: CountingOptions) {
  const clock = options.clock ?? (() => new Date())
  // en-CA formats a date as YYYY-MM-DD: the calendar day of the site's readers, not of the server.
  const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' })
  const dayOf = (date: Date) => dayFormat.format(date)
  const readers = options.mode === 'readers'
  const windowMs = options.repeatWindowMinutes * 60_000
  const limiter = readers && options.ratePerMinute > 0 ? rateLimiter(options.ratePerMinute) : undefined
  const ignored = addressMatcher(options.ignoreAddresses)
  const keys = visitorKeys(options.visitorHashSecret)

  const recorder = viewRecorder(db, { windowMs: readers ? windowMs : 0, dayOf, onCommit: options.onCommit, maxQueued: options.viewQueueMax })
  const viewDeadlineMs = options.viewDeadlineMs ?? 1500
  // Wall-clock time, not `clock`: the deadline is the reader's patience, whatever day the tests pretend it is.
  const record = (c: AppContext, view: PendingView) => recorder.record(view, { deadline: Date.now() + viewDeadlineMs, signal: c.req.raw.signal })

  const notCounted = async (slug: string, outcome: Outcome): Promise<ViewResult> => ({ count: await readCount(db, slug), counted: false, outcome })

  return {
    mode: options.mode,
    today: () => dayOf(clock()),
    visitorHashShared: keys.shared,
    pageListSize: () => options.pages?.size(),

    /** The slug a request names, folded to the site's one spelling of it when counting readers. */
    slug(raw: string): string {
      const slug = decodeSlug(raw)
      if (!readers) return slug
      return checkSlug(normaliseSlug(slug, options.trailingSlash))
    },

    /** Counts the view if it is a reader's, and records the outcome on the request for logs and metrics. */
    async view(c: AppContext, slug: string): Promise<ViewResult> {
      const refuse = (outcome: Outcome, status: 404 | 429, message: string, res?: Response): never => {
        c.set('outcome', outcome)
        throw new HTTPException(status, { message, res })
      }
      const settle = (result: ViewResult) => {
        c.set('outcome', result.outcome)
        return result
      }
      if (!readers) return settle({ ...(await record(c, { slug, now: clock() })), outcome: 'counted' })
      if (options.pages && !options.pages.allows(slug)) refuse('unknown-page', 404, 'unknown page')
      const now = clock()
      const address = clientAddress(c, options.clientIpHeader)
      if (ignored(address)) return settle(await notCounted(slug, 'ignored'))
      const reader = readerNetwork(address)
      const wait = limiter?.take(reader, now.getTime()) ?? 0
      if (wait > 0) {
        refuse('rate-limited', 429, 'too many views from this address', new Response(null, { headers: { 'Retry-After': String(wait) } }))
      }
      const userAgent = c.req.header('user-agent')
      if (isAutomated(userAgent)) return settle(await notCounted(slug, 'bot'))
      const visitor = windowMs > 0 ? keys.of(now, reader, userAgent!, slug) : undefined
      const result = await record(c, { slug, visitor, now })
      return settle({ ...result, outcome: result.counted ? 'counted' : 'repeat' })
    },
  }
}

export type Counting = ReturnType<typeof counting>
