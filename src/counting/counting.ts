import type { Database } from '../db/client.ts'
import { readCount } from '../db/counts.ts'
import type { Logger } from '../log.ts'
import { breakdownReader, type ViewContext } from './breakdown-reader.ts'
import { dayFormatter } from './calendar.ts'
import type { Outcome } from './outcomes.ts'
import type { PageAllowlist } from './page-allowlist.ts'
import { rateLimiter } from './rate-limit.ts'
import { type PendingView, viewRecorder } from './recorder.ts'
import { checkSlug, decodeSlug, normaliseSlug, type TrailingSlash } from './slug.ts'
import { addressMatcher, type ClientIpHeader, isAutomated, readerNetwork, visitorKeys } from './visitors.ts'

export interface CountingOptions {
  mode: 'readers' | 'every'
  trailingSlash: TrailingSlash
  repeatWindowMinutes: number
  ratePerMinute: number
  /** Which proxy header names the reader's address; the HTTP layer reads it. */
  clientIpHeader: ClientIpHeader
  ignoreAddresses: string[]
  visitorHashSecret?: string
  pages?: PageAllowlist
  /** Which header carries the reader's country (COUNTRY_HEADER); the HTTP layer reads it. */
  countryHeader?: string
  /** The site's own hosts, as referrers.ts's referrerHost gives them: a referral from one is none. */
  siteHosts?: string[]
  /** BREAKDOWN_VALUES_PER_DAY: a live day takes ten times as many distinct values of a kind before OTHER_VALUE. */
  breakdownValuesPerDay?: number
  /** Called after a view commits or is taken back, e.g. to invalidate cached reads. */
  onCommit?: () => void
  /** Where taking back views answered with an error is logged (counts only). */
  log?: Logger
  /** A view not committed this many ms after it arrived is not counted, and answered 503. */
  viewDeadlineMs?: number
  /** Views waiting for the database beyond this many are answered 503 at once. */
  viewQueueMax?: number
  /** The time zone whose calendar days the daily history uses. */
  timeZone?: string
  clock?: () => Date
}

/** What is known of a POSTed view: plain facts, whatever protocol brought them. */
export interface ViewFacts extends Omit<ViewContext, 'userAgent'> {
  slug: string
  /** The reader's address ('unknown' when it cannot be told). */
  address: string
  userAgent: string | undefined
  /** Aborted when the reader goes away: a view not yet committed then never is. */
  signal?: AbortSignal
}

export type ViewResult =
  | { outcome: Extract<Outcome, 'counted' | 'repeat' | 'bot' | 'ignored'>; count: number; counted: boolean }
  | { outcome: 'rate-limited'; retryAfterSeconds: number }
  | { outcome: 'unknown-page' }

// Decides whether a POST is a reader's view, and counts it. COUNT_MODE=every skips every rule,
// as the reference did; the default counts each reader once per page per window.
export function counting(db: Database, options: CountingOptions) {
  const clock = options.clock ?? (() => new Date())
  const dayOf = dayFormatter(options.timeZone)
  const readers = options.mode === 'readers'
  const windowMs = options.repeatWindowMinutes * 60_000
  const limiter = readers && options.ratePerMinute > 0 ? rateLimiter(options.ratePerMinute) : undefined
  const ignored = addressMatcher(options.ignoreAddresses)
  const keys = visitorKeys(options.visitorHashSecret)
  const breakdowns = breakdownReader({ siteHosts: new Set(options.siteHosts) })

  const recorder = viewRecorder(db, {
    windowMs: readers ? windowMs : 0,
    dayOf,
    valuesPerDay: options.breakdownValuesPerDay,
    onCommit: options.onCommit,
    maxQueued: options.viewQueueMax,
    log: options.log,
  })
  const viewDeadlineMs = options.viewDeadlineMs ?? 1500
  // Wall-clock time, not `clock`: the deadline is the reader's patience, whatever day the tests pretend it is.
  const record = (view: PendingView, signal?: AbortSignal) =>
    recorder.record(view, { deadline: Date.now() + viewDeadlineMs, signal })

  const notCounted = async (slug: string, outcome: 'bot' | 'ignored'): Promise<ViewResult> => ({
    count: await readCount(db, slug),
    counted: false,
    outcome,
  })

  return {
    mode: options.mode,
    clientIpHeader: options.clientIpHeader,
    countryHeader: options.countryHeader,
    today: () => dayOf(clock()),
    visitorHashShared: keys.shared,
    pageListSize: () => options.pages?.size(),

    /** The slug a request names, folded to the site's one spelling of it when counting readers. */
    slug(raw: string): string {
      const slug = decodeSlug(raw)
      if (!readers) return slug
      return checkSlug(normaliseSlug(slug, options.trailingSlash))
    },

    /**
     * Counts the view if it is a reader's, and says what became of it. A reader's counted view also
     * adds to the day's breakdowns; COUNT_MODE=every (the reference's compatibility mode) adds none.
     */
    async view(facts: ViewFacts): Promise<ViewResult> {
      const { slug, address, userAgent, signal } = facts
      if (!readers) return { ...(await record({ slug, now: clock() }, signal)), outcome: 'counted' }
      if (options.pages && !options.pages.allows(slug)) return { outcome: 'unknown-page' }
      const now = clock()
      if (ignored(address)) return notCounted(slug, 'ignored')
      const reader = readerNetwork(address)
      const wait = limiter?.take(reader, now.getTime()) ?? 0
      if (wait > 0) return { outcome: 'rate-limited', retryAfterSeconds: wait }
      if (isAutomated(userAgent)) return notCounted(slug, 'bot')
      const visitor = windowMs > 0 ? keys.of(now, reader, userAgent!, slug) : undefined
      const result = await record({ slug, visitor, now, breakdowns: breakdowns(facts) }, signal)
      return { ...result, outcome: result.counted ? 'counted' : 'repeat' }
    },
  }
}

export type Counting = ReturnType<typeof counting>
