import postgres from 'postgres'

export interface ScratchDatabase {
  name: string
  /** The scratch database's URL, for the service and any other process. */
  url: string
  /** A connection to the admin database, so it never counts as a connection to the scratch one. */
  admin: postgres.Sql
  /** Drops the scratch database and closes the admin connection: nothing is left behind. */
  drop(): Promise<void>
}

const plainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/

/** A name no other run uses, so parallel test files and runs never share a database. */
export const uniqueName = (prefix: string) =>
  `${prefix}_${process.pid}_${crypto.randomUUID().replaceAll('-', '').slice(0, 8)}`

/**
 * A database of its own beside the one `adminUrl` names, empty and unmigrated. A database of that name
 * is dropped first, so a fixed name that an interrupted run left behind starts from nothing too.
 */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  if (!plainIdentifier.test(name)) throw new Error(`scratch database name ${name} is not a plain identifier`)
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.unsafe(`create database "${name}"`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.href,
    admin,
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end({ timeout: 1 })
    },
  }
}
