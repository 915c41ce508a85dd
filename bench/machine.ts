import { cpus, totalmem } from 'node:os'
import type postgres from 'postgres'

export interface MachineInfo {
  date: string
  nproc: number
  memoryGiB: number
  cpuModel: string
  kernel: string
  bun: string
  postgres: string
  wrk: string
  /** The commit measured, and whether src/ differed from it (the service is measured as it is on disk). */
  commit: string
  srcDirty: boolean
  /** One-minute load average before and after the run: other work on the machine skews every number. */
  loadBefore?: number
  loadAfter?: number
}

const firstLine = async (command: string[]) => {
  const child = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return (out || err).trim().split('\n')[0] ?? ''
}

export async function describeMachine(admin: postgres.Sql): Promise<MachineInfo> {
  const [pg] = await admin`select version() as version`
  return {
    date: new Date().toISOString(),
    nproc: Number(await firstLine(['nproc'])),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: await firstLine(['uname', '-sr']),
    bun: Bun.version,
    postgres: String(pg!.version).split(' on ')[0]!,
    wrk: (await firstLine(['wrk', '--version'])).split(' [')[0]!,
    commit: await firstLine(['git', 'rev-parse', '--short', 'HEAD']),
    srcDirty: (await firstLine(['git', 'status', '--porcelain', '--', 'src', 'drizzle', 'package.json'])) !== '',
  }
}
