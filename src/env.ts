// zod 3 rather than 4: in Bun, zod 4 costs about 7 MiB more resident memory, in a pod limited to 128 MiB.
import { z } from 'zod'
import { databaseSslModes } from './db/tls.ts'

const port = z.coerce.number().int().min(1).max(65535)
const positiveInt = z.coerce.number().int().positive()

const urlWith = (protocols: RegExp) =>
  z
    .string()
    .refine(
      (value) => URL.canParse(value) && protocols.test(new URL(value).protocol),
      `must be a ${protocols.source.replace(/[\\^$]/g, '')} URL`,
    )

const commaList = <T extends z.ZodTypeAny>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item))

// Browsers send Origin as scheme://host[:port], lower-case, without the default port and without a
// path, and the app compares it as a string: an entry written any other way would refuse every
// POST. So each entry is normalised to that form; a lone trailing slash (copied from the address
// bar) is dropped silently, while a path, query or user name is refused with the value to write.
function readOrigin(entry: string): { origin: string; problem?: string } {
  const url = URL.canParse(entry) ? new URL(entry) : undefined
  if (!url || !/^https?:$/.test(url.protocol)) {
    const scheme = /^(localhost|127\.|\[::1\])/.test(entry) ? 'http' : 'https'
    const guess =
      !entry.includes('://') && URL.canParse(`${scheme}://${entry}`)
        ? `; use "${new URL(`${scheme}://${entry}`).origin}"`
        : ''
    return { origin: entry, problem: `"${entry}" is not an http(s) origin${guess}` }
  }
  const extra =
    url.username || url.password
      ? 'a user name'
      : url.search || url.hash
        ? 'a query'
        : url.pathname !== '/'
          ? 'a path'
          : undefined
  return { origin: url.origin, problem: extra && `"${entry}" has ${extra}; use "${url.origin}"` }
}

const origins = z.string().transform((list, ctx) =>
  list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const { origin, problem } = readOrigin(entry)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
      return origin
    }),
)

const regex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source, 'u')
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid regular expression' })
    return z.NEVER
  }
})

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}, 'is not an IANA time zone')

const addresses = commaList(z.union([z.string().ip(), z.string().cidr()]))

// The token68 syntax of RFC 6750: anything else could never arrive in a Bearer header, so no one could log in.
const bearerToken = z
  .string()
  .min(16, 'must be at least 16 characters')
  .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'may only use letters, digits and -._~+/ (then =)')
// Basic auth splits "user:password" at the first colon, so a colon in the user name could never match.
const basicUser = z.string().regex(/^[^:\u0000-\u001f\u007f]+$/, 'must not contain a colon or control characters')

const schema = z
  .object({
    DATABASE_URL: urlWith(/^postgres(ql)?:$/).optional(),
    DB_HOST: z.string().min(1).optional(),
    DB_PORT: port.default(5432),
    DB_NAME: z.string().min(1).default('view-counter'),
    DB_USER: z.string().min(1).default('view-counter'),
    DB_PASSWORD: z.string().default(''),
    DB_POOL_MAX: positiveInt.max(100).default(10),
    DB_CONNECT_TIMEOUT_MS: positiveInt.default(1000),
    // Bounds on what may wait for PostgreSQL, so a stalled database costs 503s, not memory and hung requests.
    DB_STATEMENT_TIMEOUT_MS: positiveInt.default(2000),
    DB_ACQUIRE_TIMEOUT_MS: positiveInt.default(500),
    DB_QUEUE_MAX: z.coerce.number().int().min(0).default(100),
    DB_STALL_MS: positiveInt.default(1000),
    // Under the Hugo script's 3 s timeout, with room to answer: a view not committed by then is not counted.
    VIEW_DEADLINE_MS: positiveInt.max(2800).default(1500),
    VIEW_QUEUE_MAX: positiveInt.default(1000),
    DATABASE_SSL: z.enum(databaseSslModes).default('disable'),
    DATABASE_CA_FILE: z.string().min(1).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(9313),
    METRICS_PORT: port.optional(),
    READ_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    READ_CACHE_MAX_KIB: positiveInt.max(1024 * 1024).default(2048),
    // Only `hugo server` on this machine: a real site's origin is the operator's to add.
    CORS_ORIGINS: origins.default('http://localhost:1313'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
    COUNT_MODE: z.enum(['readers', 'every']).default('readers'),
    TRAILING_SLASH: z.enum(['add', 'strip', 'keep']).default('add'),
    SLUG_PATTERN: regex.optional(),
    SITE_PAGES_URL: urlWith(/^https?:$/).optional(),
    SITE_PAGES_REFRESH_SECONDS: positiveInt.default(600),
    SITE_URL: urlWith(/^https?:$/).optional(),
    REPEAT_WINDOW_MINUTES: z.coerce
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(30),
    VISITOR_HASH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(60),
    CLIENT_IP_HEADER: z.enum(['none', 'cf-connecting-ip', 'x-forwarded-for', 'x-real-ip']).default('none'),
    IGNORE_ADDRESSES: addresses.default(''),
    TIME_ZONE: timeZone.default('UTC'),
    // A header name (RFC 9110's token), compared as Hono reads headers: lower-case.
    COUNTRY_HEADER: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a header name, e.g. cf-ipcountry')
      .transform((name) => name.toLowerCase())
      .optional(),
    BREAKDOWN_VALUES_PER_DAY: positiveInt.max(100_000).default(200),
    BREAKDOWN_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
    STATS_TOKEN: bearerToken.optional(),
    STATS_USER: basicUser.optional(),
    STATS_PASSWORD: z.string().optional(),
  })
  .superRefine(({ STATS_USER, STATS_PASSWORD, DATABASE_SSL, DATABASE_CA_FILE }, ctx) => {
    // A CA that is never used would read as verification that is not happening.
    if (DATABASE_CA_FILE !== undefined && DATABASE_SSL !== 'verify-full') {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_CA_FILE'],
        message: 'is only used with DATABASE_SSL=verify-full',
      })
    }
    // Half a basic-auth credential would leave /stats public while looking private.
    if ((STATS_USER === undefined) === (STATS_PASSWORD === undefined)) return
    const [missing, set] =
      STATS_USER === undefined ? ['STATS_USER', 'STATS_PASSWORD'] : ['STATS_PASSWORD', 'STATS_USER']
    ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${set} is set` })
  })
  .transform(({ DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DATABASE_URL, SITE_URL, ...rest }) => ({
    ...rest,
    // The page list is published on the site itself, so its origin is where the pages are.
    SITE_URL: SITE_URL ?? (rest.SITE_PAGES_URL ? `${new URL(rest.SITE_PAGES_URL).origin}/` : undefined),
    // DATABASE_URL wins; the reference's DB_* variables (ConfigMap + Secret) build one otherwise.
    DATABASE_URL:
      DATABASE_URL ??
      (DB_HOST
        ? `postgres://${encodeURIComponent(DB_USER)}:${encodeURIComponent(DB_PASSWORD)}@${DB_HOST}:${DB_PORT}/${encodeURIComponent(DB_NAME)}`
        : undefined),
    // So a database error can name the variables this installation actually uses.
    DATABASE_SOURCE: DATABASE_URL ? ('DATABASE_URL' as const) : ('DB_*' as const),
  }))

export type Env = z.infer<typeof schema>

/** Every variable the app reads: the keys of the z.object inside the superRefine and transform above. */
export const envNames = Object.keys(schema.innerType().innerType().shape)

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable means "not set", as it does in a ConfigMap with a blank value.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''))
  const result = schema.safeParse(present)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
  throw new Error(`invalid environment:\n  ${problems.join('\n  ')}`)
}

export function loadEnv(): Env {
  try {
    return parseEnv(process.env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
