import { z } from 'zod'
import type { Logger } from '../log.ts'
import { normaliseSlug, type TrailingSlash } from './slug.ts'

/** What the site says about one of its pages, beyond its path. */
export interface PageInfo {
  title?: string
  lang?: string
  /** The publish date, as the site wrote it (YYYY-MM-DD from the Hugo component). */
  date?: string
}

// The Hugo component publishes objects; older builds of it (and hand-written lists) publish bare
// paths. Both are read, so upgrading the service never needs the site rebuilt first.
const entry = z.union([
  z.string(),
  z.object({
    path: z.string(),
    title: z.string().optional(),
    lang: z.string().optional(),
    date: z.string().optional(),
  }),
])
const pageList = z.array(entry)

/** The site's pages by stored slug; throws when the JSON is neither accepted format. */
export function parsePageList(json: unknown, trailingSlash: TrailingSlash): Map<string, PageInfo> {
  const parsed = pageList.safeParse(json)
  if (!parsed.success) throw new Error('not a JSON array of paths or of { path, title, lang, date } objects')
  const pages = new Map<string, PageInfo>()
  for (const page of parsed.data) {
    if (typeof page === 'string') pages.set(normaliseSlug(page, trailingSlash), {})
    else {
      const { path, ...info } = page
      // An empty title is no title: the stats page then shows the slug.
      if (info.title?.trim() === '') delete info.title
      pages.set(normaliseSlug(path, trailingSlash), info)
    }
  }
  return pages
}

export interface PageAllowlist {
  allows(slug: string): boolean
  /** What the loaded list says of a page (its title...); undefined when it is not on the list. */
  page(slug: string): PageInfo | undefined
  /** Pages on the loaded list: -1 until one has loaded, undefined when no list is configured. */
  size(): number | undefined
  refresh(): Promise<void>
  stop(): void
}

export interface PageAllowlistOptions {
  pattern?: RegExp
  /** A JSON array of the site's pages (paths, or objects with a title), as the Hugo component publishes it. */
  pagesUrl?: string
  refreshSeconds: number
  trailingSlash: TrailingSlash
  log: Logger
}

// Only pages the site really has may be counted. Until the page list has loaded once, only the
// pattern applies: a list that cannot be fetched must not stop real readers from being counted.
export function pageAllowlist({
  pattern,
  pagesUrl,
  refreshSeconds,
  trailingSlash,
  log,
}: PageAllowlistOptions): PageAllowlist {
  let pages: Map<string, PageInfo> | undefined
  let timer: ReturnType<typeof setInterval> | undefined

  async function refresh() {
    if (!pagesUrl) return
    try {
      const response = await fetch(pagesUrl, { signal: AbortSignal.timeout(10_000) })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      pages = parsePageList(await response.json(), trailingSlash)
      log.info('page list loaded', { pages: pages.size })
    } catch (error) {
      log.warn('page list not loaded; keeping the previous one', {
        url: pagesUrl,
        error: String(error),
        pages: pages?.size ?? null,
      })
    }
  }

  if (pagesUrl) {
    void refresh()
    timer = setInterval(refresh, refreshSeconds * 1000)
    timer.unref()
  }

  return {
    allows: (slug) => (!pattern || pattern.test(slug)) && (!pages || pages.has(slug)),
    page: (slug) => pages?.get(slug),
    size: () => (pagesUrl ? (pages?.size ?? -1) : undefined),
    refresh,
    stop: () => clearInterval(timer),
  }
}
