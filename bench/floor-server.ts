// The floor: a bare Bun.serve answering every request with the bytes the service answered for a
// cached GET (status, headers, body), handed over in FLOOR_RESPONSE. The bench starts it as the image
// starts the service, in the same cgroup limits, so the difference is only the service's own work.
const { status, headers, body } = JSON.parse(process.env.FLOOR_RESPONSE!) as {
  status: number
  headers: [string, string][]
  body: string
}

Bun.serve({
  hostname: process.env.HOST,
  port: Number(process.env.PORT),
  fetch: () => new Response(body, { status, headers }),
})
