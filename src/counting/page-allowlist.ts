import type { Logger } from '../log.ts'
import { normaliseSlug, type TrailingSlash } from './slug.ts'

export interface PageAllowlist {
  allows(slug: string): boolean
  /** Pages on the loaded list: -1 until one has loaded, undefined when no list is configured. */
  size(): number | undefined
  refresh(): Promise<void>
  stop(): void
}

export interface PageAllowlistOptions {
  pattern?: RegExp
  /** A JSON array of the site's page paths, as the Hugo component publishes it. */
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
  let pages: Set<string> | undefined
  let timer: ReturnType<typeof setInterval> | undefined

  async function refresh() {
    if (!pagesUrl) return
    try {
      const response = await fetch(pagesUrl, { signal: AbortSignal.timeout(10_000) })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const list: unknown = await response.json()
      if (!Array.isArray(list) || !list.every((page) => typeof page === 'string'))
        throw new Error('not a JSON array of strings')
      pages = new Set(list.map((page) => normaliseSlug(page, trailingSlash)))
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
    size: () => (pagesUrl ? (pages?.size ?? -1) : undefined),
    refresh,
    stop: () => clearInterval(timer),
  }
}
