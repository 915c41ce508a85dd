import { readFileSync } from 'node:fs'
import { type ConnectionOptions, checkServerIdentity } from 'node:tls'

export const databaseSslModes = ['disable', 'require', 'verify-full'] as const
export type DatabaseSslMode = (typeof databaseSslModes)[number]

export interface DatabaseTls {
  mode: DatabaseSslMode
  /** PEM file of the CA that signed the server's certificate (CloudNativePG: `<cluster>-ca`, key `ca.crt`). */
  caFile?: string
}

/**
 * postgres.js's `ssl` option for a mode named as libpq names it. Always explicit, so neither the
 * URL's `sslmode` nor a PGSSL* variable can quietly change what the settings say.
 */
export function postgresSsl({ mode, caFile }: DatabaseTls, url: string): false | 'require' | ConnectionOptions {
  if (mode === 'disable') return false
  // Encrypted, but any certificate is accepted: protects against listeners, not against impostors.
  if (mode === 'require') return 'require'
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')
  return {
    // Read once at startup: a missing file stops the service instead of failing every connection.
    ca: caFile ? readFileSync(caFile, 'utf8') : undefined,
    rejectUnauthorized: true,
    // postgres.js sends no server name for an IP address, and Node would then check the certificate
    // against "localhost"; the host we dialled is what the certificate must name.
    checkServerIdentity: (_servername, certificate) => checkServerIdentity(host, certificate),
  }
}
