import { defineConfig } from 'drizzle-kit'
import { loadEnv } from './src/env.ts'

// drizzle-kit (`bun run db:generate`, or `drizzle-kit studio`) reaches the same database as the service,
// configured the same way. Migrations are applied by `bun run db:migrate` (src/commands/migrate.ts).
const { DATABASE_URL } = loadEnv()

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  ...(DATABASE_URL && { dbCredentials: { url: DATABASE_URL } }),
})
