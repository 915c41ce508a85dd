// Inlined by layouts/partials/view-counter/script.html, which passes its settings as data attributes.
// It must never get in a reader's way: it runs after the page is parsed, gives up after a few
// seconds, and any failure leaves the placeholders empty without throwing.
const settings = document.currentScript.dataset
const TIMEOUT_MS = 3000
const BATCH_LIMIT = 100

// The owner's own visits (hugo server, a build opened from localhost) show counts but add none.
const isLocal = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(location.hostname)

// The owner's own browser stops counting itself once any page is opened with #view-counter=ignore,
// until one is opened with #view-counter=count. The flag is the same in every browser that sets it,
// so it identifies no reader; where storage is blocked the browser simply stays counted.
const IGNORE_KEY = 'view-counter-ignore'
let optedOut = false
try {
  const choice = /^#view-counter=(ignore|count)$/.exec(location.hash)
  if (choice) {
    if (choice[1] === 'ignore') localStorage[IGNORE_KEY] = 1
    else delete localStorage[IGNORE_KEY]
    // The flag leaves the address bar, so a link the owner copies from it does not opt readers out.
    history.replaceState(null, '', location.href.split('#')[0])
  }
  optedOut = !!localStorage[IGNORE_KEY]
} catch {}

const countSlug = (isLocal && !('previews' in settings)) || optedOut ? '' : settings.countSlug

const api = async (path, method) => {
  const abort = new AbortController()
  setTimeout(() => abort.abort(), TIMEOUT_MS)
  const response = await fetch(settings.host + path, { method, signal: abort.signal, credentials: 'omit' })
  if (!response.ok) throw new Error(response.status)
  return response.json()
}

// Slugs are kept decoded; each path segment is encoded on the way out, as the API decodes them.
const slugPath = (slug) => slug.split('/').map(encodeURIComponent).join('/')

const run = () => {
  const language = settings.lang
  const plurals = new Intl.PluralRules(language)
  const numbers = new Intl.NumberFormat(language)
  // Hugo rendered the translated phrase for sample counts; the browser's plural rules tell which form each one is.
  const phrases = {}
  for (const [sample, phrase] of Object.entries(JSON.parse(settings.phrases))) {
    phrases[plurals.select(+sample)] = phrase
  }
  const placeholders = [...document.querySelectorAll('[data-view-slug]')]
  const show = (slug, { count }) => {
    const text = (phrases[plurals.select(count)] || phrases.other).replace('#', numbers.format(count))
    for (const placeholder of placeholders) {
      if (placeholder.dataset.viewSlug === slug) placeholder.textContent = text
    }
  }

  // Counting this page answers with its count, so it needs no read of its own.
  const requests = []
  if (countSlug) {
    requests.push(api(`/views/${slugPath(countSlug)}`, 'POST').then((views) => show(countSlug, views)))
  }
  const toRead = [...new Set(placeholders.map((placeholder) => placeholder.dataset.viewSlug))].filter(
    (slug) => slug !== countSlug,
  )
  for (let start = 0; start < toRead.length; start += BATCH_LIMIT) {
    const batch = toRead.slice(start, start + BATCH_LIMIT)
    requests.push(
      api(`/views?slugs=${batch.map(encodeURIComponent).join(',')}`, 'GET').then((list) =>
        list.forEach((views, i) => show(batch[i], views)),
      ),
    )
  }
  for (const request of requests) request.catch(() => {})
}

const runQuietly = () => {
  try {
    run()
  } catch {
    // An old browser without Intl plural rules, or odd settings: no counts, and nothing else affected.
  }
}

if (document.readyState === 'loading') addEventListener('DOMContentLoaded', runQuietly)
else runQuietly()
