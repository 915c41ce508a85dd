import postgres from 'postgres'

// The e2e owns a throwaway database next to `test`, so it never touches data it did not make.
const ADMIN_URL = process.env.E2E_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export async function createScratchDatabase() {
  const name = `vc_e2e_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const sql = postgres(url.href, { max: 1, onnotice: () => {} })
  return {
    name,
    url: url.href,
    sql,
    async drop() {
      await sql.end()
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}
