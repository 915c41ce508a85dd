// `bun run bench` measures with the machine's cores; `bun run bench --pod` under the Deployment's limits.
await import(Bun.argv.includes('--pod') ? './pod.ts' : './run.ts')
