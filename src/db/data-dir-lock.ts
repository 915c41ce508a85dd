import { dlopen, FFIType, read } from 'bun:ffi'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { resolve } from 'node:path'

/** Another process (the service or a command) has the embedded database open. */
export class DataDirInUse extends Error {
  constructor(dataDir: string) {
    super(
      `${resolve(dataDir)} is in use by another view-counter process (the service or a command): ` +
        'the embedded database allows one process at a time, so stop the service first',
    )
  }
}

export interface DataDirLock {
  release(): void
}

// flock(2) constants and errno, the same on every Linux architecture (asm-generic).
const LOCK_EX = 2
const LOCK_NB = 4
const EWOULDBLOCK = 11

// Bun has no file-lock API (oven-sh/bun#26230 is open), so flock(2) comes from glibc through
// bun:ffi (https://bun.sh/docs/api/ffi). Loaded on first use: a service on PostgreSQL never needs it.
let libc: ReturnType<typeof loadLibc> | undefined
const openLibc = () =>
  dlopen('libc.so.6', {
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  })

function loadLibc() {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(
      `the embedded database runs on Linux (x64, arm64) only, not ${process.platform}/${process.arch}: set DATABASE_URL`,
    )
  }
  let library: ReturnType<typeof openLibc>
  try {
    library = openLibc()
  } catch (error) {
    throw new Error(
      `the embedded database needs glibc (libc.so.6) to lock DATA_DIR: ${(error as Error).message}; set DATABASE_URL`,
    )
  }
  const { flock, __errno_location } = library.symbols
  return { flock, errno: () => read.i32(__errno_location()!, 0) }
}

/**
 * Holds DATA_DIR for this process until release() or exit. PGlite is single-process: a second
 * process on the same files corrupts them. flock(2) on the directory itself is used because the
 * kernel drops it when the process ends in any way, SIGKILL included, so no stale lock survives a
 * crash, and no file has to be added to PostgreSQL's data directory.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  libc ??= loadLibc()
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const fd = openSync(dataDir, 'r')
  if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const errno = libc.errno()
    closeSync(fd)
    if (errno === EWOULDBLOCK) throw new DataDirInUse(dataDir)
    throw new Error(`could not lock ${resolve(dataDir)}: flock failed with errno ${errno}`)
  }
  let held = true
  return {
    release() {
      if (!held) return
      held = false
      // Closing the only descriptor on the directory releases the lock.
      closeSync(fd)
    },
  }
}

/** For the entry points: a held DATA_DIR ends the process with one line, anything else is rethrown. */
export function exitIfDataDirInUse(error: unknown): never {
  if (!(error instanceof DataDirInUse)) throw error
  console.error(error.message)
  process.exit(1)
}
