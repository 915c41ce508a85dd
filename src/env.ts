import { z } from 'zod'

const port = z.coerce.number().int().min(1).max(65535)
const positiveInt = z.coerce.number().int().positive()

const origins = z
  .string()
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/ })))

const schema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DB_HOST: z.string().min(1).optional(),
    DB_PORT: port.default(5432),
    DB_NAME: z.string().min(1).default('view-counter'),
    DB_USER: z.string().min(1).default('view-counter'),
    DB_PASSWORD: z.string().default(''),
    DB_POOL_MAX: positiveInt.max(100).default(10),
    DB_CONNECT_TIMEOUT_MS: positiveInt.default(1000),
    DATA_DIR: z.string().min(1).default('./data'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(9313),
    CORS_ORIGINS: origins.default(['https://uclab.dev', 'http://localhost:1313']),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  })
  .transform(({ DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DATABASE_URL, ...rest }) => ({
    ...rest,
    // DATABASE_URL wins; the reference's DB_* variables (ConfigMap + Secret) build one otherwise.
    DATABASE_URL:
      DATABASE_URL ??
      (DB_HOST
        ? `postgres://${encodeURIComponent(DB_USER)}:${encodeURIComponent(DB_PASSWORD)}@${DB_HOST}:${DB_PORT}/${encodeURIComponent(DB_NAME)}`
        : undefined),
  }))

export type Env = z.infer<typeof schema>

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
