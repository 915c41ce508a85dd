export const SLUG_COUNT = 1000
export const BATCH_SIZE = 20
// Distinct batch requests the GET-batch scenario rotates through, like the list pages of a blog.
const BATCH_VARIANTS = 50

/** The seeded pages, as Hugo would name them: `posts/bench-0001/` … `posts/bench-1000/`. */
export const slugs = Array.from({ length: SLUG_COUNT }, (_, i) => `posts/bench-${String(i + 1).padStart(4, '0')}/`)
export const hotSlug = slugs[0]!

export type ScenarioId = 'post-hot' | 'post-spread' | 'get-one' | 'get-batch' | 'get-all'

export interface Scenario {
  id: ScenarioId
  title: string
  method: 'GET' | 'POST'
  /** Request targets; the load generator picks one at random for each request. */
  paths: string[]
  /** The pgbench ceiling this scenario is compared with, if any. */
  ceiling?: 'hot' | 'spread'
}

// A slug spans path segments in /views/{slug}; only ?slugs= needs each slug encoded on its own.
const viewPath = (slug: string) => `/views/${slug}`

function batches(): string[] {
  return Array.from({ length: BATCH_VARIANTS }, (_, b) => {
    const batch = Array.from({ length: BATCH_SIZE }, (_, i) => slugs[(b * BATCH_SIZE + i * 37) % SLUG_COUNT]!)
    return `/views?slugs=${batch.map(encodeURIComponent).join(',')}`
  })
}

export const scenarios: Scenario[] = [
  { id: 'post-hot', title: 'POST one hot slug', method: 'POST', paths: [viewPath(hotSlug)], ceiling: 'hot' },
  {
    id: 'post-spread',
    title: `POST spread over ${SLUG_COUNT} slugs`,
    method: 'POST',
    paths: slugs.map(viewPath),
    ceiling: 'spread',
  },
  { id: 'get-one', title: 'GET one slug', method: 'GET', paths: [viewPath(slugs[1]!)] },
  { id: 'get-batch', title: `GET a batch of ${BATCH_SIZE}`, method: 'GET', paths: batches() },
  { id: 'get-all', title: `GET all (${SLUG_COUNT} rows)`, method: 'GET', paths: ['/views'] },
]
