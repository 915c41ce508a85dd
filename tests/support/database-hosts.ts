// Tests create and drop databases freely, so they only run against hosts named as safe for that.
// A CI job reaches its database container by name (e.g. `postgres`), hence a list, not just localhost.
export const defaultTestDatabaseHosts = 'localhost,127.0.0.1,::1'

export function allowedTestDatabaseHosts(setting = defaultTestDatabaseHosts): string[] {
  return setting
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean)
}

/** The host of a database URL as the allow-list spells it (IPv6 without brackets). */
export function databaseHost(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
}

export function isAllowedTestDatabase(url: string, setting?: string): boolean {
  return allowedTestDatabaseHosts(setting).includes(databaseHost(url))
}
