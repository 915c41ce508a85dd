import type { DatabaseSslMode } from './tls.ts'

/** How the service was told where its database is, so a fix can name the variable to change. */
export interface DatabaseSettings {
  source: 'DATABASE_URL' | 'DB_*'
  ssl: DatabaseSslMode
}

export const databaseProblems = [
  'database-missing',
  'role-missing',
  'password-wrong',
  'tls-required',
  'not-admitted',
  'tls-refused',
  'tls-untrusted',
  'host-not-found',
  'connection-refused',
] as const
export type DatabaseProblem = (typeof databaseProblems)[number]

export interface Diagnosis {
  problem: DatabaseProblem
  /** Misconfigured needs a person; unreachable may be a server still starting. */
  state: 'misconfigured' | 'unreachable'
  /** What is wrong, in a fixed sentence a log search can find. */
  summary: string
  /** What to change, naming the setting. */
  fix: string
}

// Node's certificate verification codes (node:tls, "X509 certificate error codes").
const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

function* chain(error: unknown) {
  for (let current = error; current instanceof Error; current = current.cause) yield current
}

/**
 * The configuration problem a connection error shows, with its fix; undefined for anything else
 * (an outage, a bug). The server's and Node's messages name only hosts, roles and databases.
 */
export function diagnoseDatabaseError(error: unknown, settings: DatabaseSettings): Diagnosis | undefined {
  for (const current of chain(error)) {
    const code = (current as { code?: unknown }).code
    if (typeof code !== 'string') continue
    const found = diagnose(code, current.message, settings)
    if (found) return found
  }
  return undefined
}

function diagnose(code: string, message: string, { source, ssl }: DatabaseSettings): Diagnosis | undefined {
  const url = source === 'DATABASE_URL'
  const misconfigured = (problem: DatabaseProblem, summary: string, fix: string): Diagnosis => ({
    problem,
    state: 'misconfigured',
    summary,
    fix,
  })
  const quoted = message.match(/"([^"]*)"/)?.[1]
  // Node ends these messages with the host or address it tried: "getaddrinfo ENOTFOUND db.invalid".
  const address = message.match(/ (\S+)$/)?.[1]
  if (code === '3D000')
    return misconfigured(
      'database-missing',
      'the database does not exist',
      `create database "${quoted}", or name an existing one in ${url ? 'DATABASE_URL (its path)' : 'DB_NAME'}`,
    )
  if (code === '28P01')
    return misconfigured(
      'password-wrong',
      'the password was refused',
      `set the role's password in ${url ? 'DATABASE_URL' : 'DB_PASSWORD'}`,
    )
  if (code === '28000' && /^role .* does not exist/.test(message))
    return misconfigured(
      'role-missing',
      'the role does not exist',
      `create role "${quoted}", or name an existing one in ${url ? 'DATABASE_URL (its user)' : 'DB_USER'}`,
    )
  // pg_hba.conf with only `hostssl` lines ends an unencrypted connection with this message
  // (postgres/postgres, src/backend/libpq/auth.c, ClientAuthentication).
  if (code === '28000' && message.includes('no encryption'))
    return misconfigured(
      'tls-required',
      'the server accepts only encrypted connections',
      'set DATABASE_SSL=verify-full (with DATABASE_CA_FILE) or DATABASE_SSL=require',
    )
  if (code === '28000' && message.includes('pg_hba.conf'))
    return misconfigured(
      'not-admitted',
      "the server's pg_hba.conf admits no connection for this host, role and database",
      `add an entry to pg_hba.conf, or correct the role and database in ${url ? 'DATABASE_URL' : 'DB_USER and DB_NAME'}`,
    )
  // A server without TLS answers the SSLRequest with "N"; postgres.js starts TLS regardless and the
  // server hangs up (porsager/postgres, src/connection.js, secure()).
  if (ssl !== 'disable' && code === 'ECONNRESET' && message.includes('before secure TLS connection'))
    return misconfigured(
      'tls-refused',
      'the server does not offer TLS',
      `enable ssl on the server, or set DATABASE_SSL=disable (now ${ssl}) if the network to it is trusted`,
    )
  if (certificateCodes.has(code))
    return misconfigured(
      'tls-untrusted',
      "the server's certificate is not trusted",
      `set DATABASE_CA_FILE to the CA that signed it (${code}), and connect by the name the certificate holds in ${url ? 'DATABASE_URL' : 'DB_HOST'}`,
    )
  const host = url ? 'DATABASE_URL' : 'DB_HOST'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return {
      problem: 'host-not-found',
      state: 'unreachable',
      summary: 'the host name does not resolve',
      fix: `correct the host${address ? ` "${address}"` : ''} in ${host}`,
    }
  if (code === 'ECONNREFUSED')
    return {
      problem: 'connection-refused',
      state: 'unreachable',
      summary: 'nothing accepts connections at the address',
      fix: `start PostgreSQL${address ? ` at ${address}` : ''}, or correct the host and port in ${url ? 'DATABASE_URL' : 'DB_HOST and DB_PORT'}`,
    }
  return undefined
}
