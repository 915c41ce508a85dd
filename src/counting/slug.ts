export const MAX_SLUG_BYTES = 512

const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/
const encoder = new TextEncoder()
const dotSegment = /(^|\/)\.\.?(\/|$)/

/** A slug no page can have; the HTTP layer answers it with 400, an import reports it per row. */
export class InvalidSlug extends Error {
  override name = 'InvalidSlug'
}

function invalid(message: string): never {
  throw new InvalidSlug(message)
}

// Decodes one percent-encoded slug strictly: malformed escapes and invalid UTF-8 are refused
// rather than stored half-decoded.
export function decodeSlug(raw: string): string {
  let slug: string
  try {
    slug = decodeURIComponent(raw)
  } catch {
    invalid('slug is not valid percent-encoded UTF-8')
  }
  return checkSlug(slug)
}

// Applied to the slug as it will be stored: normalising can shorten "..%3Fx" to "..", and NFC can
// make a slug three times longer, so checking only what arrived would let both through.
export function checkSlug(slug: string): string {
  if (slug === '') invalid('slug must not be empty')
  // A UTF-16 code unit is at most three bytes of UTF-8, so a short slug needs no encoding to measure.
  if (slug.length * 3 > MAX_SLUG_BYTES && encoder.encode(slug).length > MAX_SLUG_BYTES)
    invalid(`slug is longer than ${MAX_SLUG_BYTES} bytes`)
  if (controlCharacter.test(slug)) invalid('slug must not contain control characters')
  // Bun turns raw bytes that are not UTF-8 into U+FFFD before the app sees the URL, so that
  // character is the only trace of invalid UTF-8 left; no real page's path contains it.
  if (slug.includes('\uFFFD')) invalid('slug is not valid UTF-8')
  if (dotSegment.test(slug)) invalid('slug must not contain dot segments')
  return slug
}

export type TrailingSlash = 'add' | 'strip' | 'keep'

const fileLike = /\.[A-Za-z0-9]{1,8}$/

// One page, one slug: every way a browser or a link can spell a page folds into the one the site
// uses, so `/posts/x`, `posts/x/index.html` and `posts/x/?utm_source=y` all count for `posts/x/`.
export function normaliseSlug(slug: string, trailingSlash: TrailingSlash): string {
  let path = slug.normalize('NFC')
  path = path.replace(/[?#].*$/s, '')
  path = path.replace(/\/{2,}/g, '/').replace(/^\//, '')
  path = path.replace(/(^|\/)index\.html?$/, '$1')
  if (path === '') return path
  const last = path.endsWith('/') ? '' : path.slice(path.lastIndexOf('/') + 1)
  if (trailingSlash === 'add' && last !== '' && !fileLike.test(last)) path += '/'
  if (trailingSlash === 'strip') path = path.replace(/\/$/, '')
  return path
}
