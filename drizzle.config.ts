import { defineConfig } from 'drizzle-kit'
import { loadEnv } from './src/env.ts'

// `bun run db:migrate` reaches the same database as the service, configured the same way.
const { DATABASE_URL } = loadEnv()

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  ...(DATABASE_URL && { dbCredentials: { url: DATABASE_URL } }),
})
