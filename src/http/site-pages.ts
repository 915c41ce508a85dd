import type { PageAllowlist } from '../counting/page-allowlist.ts'

/** What the service knows of the site: where it lives, and its pages' titles from the page list. */
export interface Site {
  /** Slugs are resolved against it to link to the page (SITE_URL). */
  url?: string
  pages?: Pick<PageAllowlist, 'page'>
}

/** A page's address on the site, or null: only an http(s) URL under the site's, whatever the slug holds. */
export function pageUrl(site: Site, slug: string): string | null {
  if (!site.url) return null
  // A SITE_URL without a trailing slash still names a folder: https://x.dev/blog is https://x.dev/blog/.
  const base = new URL(site.url)
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  // Hugo's slugs are RelPermalinks, which already hold a site's sub-path (blog/posts/x/ under
  // https://x.dev/blog/): such a slug is resolved against the origin, so the sub-path is not doubled.
  const from = slug.startsWith(base.pathname.slice(1)) ? new URL('/', base) : base
  // Slugs are stored decoded; each segment is encoded so that no slug ("javascript:...", "a?b#c") can
  // change the URL's scheme, query or fragment.
  const url = new URL(slug.split('/').map(encodeURIComponent).join('/'), from)
  if (!/^https?:$/.test(url.protocol) || !url.href.startsWith(base.href)) return null
  return url.href
}

/** Ranked pages with their title (null when the page list has none) and link (null without SITE_URL). */
export function withTitles<T extends { slug: string }>(site: Site, pages: T[]) {
  return pages.map((page) => ({
    ...page,
    title: site.pages?.page(page.slug)?.title ?? null,
    url: pageUrl(site, page.slug),
  }))
}
