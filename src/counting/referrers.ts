// What a referrer is stored as: the referring site's readable group name for well-known sites, else
// its host. Never a path, a query or anything else of the referring URL. Used by the view route
// (`?ref=`) and by GoatCounter imports (its CSV's full referrer URLs).

// The longest input looked at: a URL longer than this is not a referrer anyone sends.
const MAX_INPUT = 2048
const MAX_HOST = 253
const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const scheme = /^[a-z][a-z0-9+.-]*:\/\//i

// Sites grouped under one name, matched against the whole host (subdomains included where the
// pattern says so). First match wins.
const groups: [name: string, host: RegExp][] = [
  ['Google', /(?:^|\.)google\.(?:com?\.)?[a-z]{2,}$/],
  ['Bing', /(?:^|\.)bing\.com$/],
  ['DuckDuckGo', /(?:^|\.)duckduckgo\.com$/],
  ['Yahoo', /(?:^|\.)yahoo\.(?:com?\.)?[a-z]{2,}$/],
  ['Yandex', /(?:^|\.)(?:yandex\.(?:com?\.)?[a-z]{2,}|ya\.ru)$/],
  ['Baidu', /(?:^|\.)baidu\.com$/],
  ['Ecosia', /(?:^|\.)ecosia\.org$/],
  ['Brave Search', /^search\.brave\.com$/],
  ['Kagi', /(?:^|\.)kagi\.com$/],
  ['Startpage', /(?:^|\.)startpage\.com$/],
  ['Qwant', /(?:^|\.)qwant\.com$/],
  ['Hacker News', /^news\.ycombinator\.com$/],
  ['Reddit', /(?:^|\.)(?:reddit\.com|redd\.it)$/],
  ['Lobsters', /^lobste\.rs$/],
  ['X (Twitter)', /^(?:(?:mobile\.)?twitter\.com|x\.com|t\.co)$/],
  ['Facebook', /(?:^|\.)(?:facebook\.com|fb\.com|fb\.me)$/],
  ['Instagram', /(?:^|\.)instagram\.com$/],
  ['Threads', /(?:^|\.)threads\.(?:net|com)$/],
  ['LinkedIn', /(?:^|\.)(?:linkedin\.com|lnkd\.in)$/],
  ['GitHub', /^github\.com$/],
  ['Stack Overflow', /(?:^|\.)stackoverflow\.com$/],
  ['YouTube', /(?:^|\.)(?:youtube\.com|youtu\.be)$/],
  ['Bluesky', /(?:^|\.)bsky\.app$/],
  ['Wikipedia', /(?:^|\.)wikipedia\.org$/],
  ['Feedly', /(?:^|\.)feedly\.com$/],
  // Only Substack itself: a newsletter's own subdomain is the referrer worth seeing.
  ['Substack', /^substack\.com$/],
  ['Pinterest', /(?:^|\.)pinterest\.(?:com?\.)?[a-z]{2,}$/],
]

// An address is not a site's name but a machine's, often a person's (a feed reader at home): kept, it
// would store an address after all. The URL parser has already turned any IPv4 spelling into dotted form.
const ipv4 = /^\d+\.\d+\.\d+\.\d+$/

function isHostname(host: string): boolean {
  if (host.length === 0 || host.length > MAX_HOST || host.startsWith('[') || ipv4.test(host)) return false
  return host.split('.').every((part) => label.test(part))
}

/**
 * The host of a referrer given as a host or a full URL, lower-case, without a leading `www.`, a
 * trailing dot or a port; international names as punycode (the URL parser's work). Undefined when
 * it is not a hostname.
 */
export function referrerHost(input: string): string | undefined {
  const text = input.trim()
  if (text.length === 0 || text.length > MAX_INPUT) return undefined
  let host: string
  try {
    host = new URL(scheme.test(text) ? text : `http://${text}`).hostname
  } catch {
    return undefined
  }
  host = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^www\./, '')
  return isHostname(host) ? host : undefined
}

/**
 * What a referrer is counted as: a group name for well-known sites ("Google", "Hacker News"), else
 * its host. Undefined when it is not a hostname, or is one of the site's own hosts (`siteHosts`,
 * as `referrerHost` gives them): moving between the site's own pages is no referral.
 */
export function referrerValue(input: string, siteHosts?: Set<string>): string | undefined {
  const host = referrerHost(input)
  if (host === undefined || siteHosts?.has(host)) return undefined
  return groups.find(([, pattern]) => pattern.test(host))?.[0] ?? host
}

/** The hosts of the site's own addresses (SITE_URL, CORS_ORIGINS), as referrerValue compares them. */
export const siteHosts = (urls: (string | undefined)[]): string[] =>
  urls.flatMap((url) => {
    const host = url === undefined ? undefined : referrerHost(url)
    return host === undefined ? [] : [host]
  })
