// Cross-checks the manifests against the app itself: the variables src/env.ts reads, the routes
// it serves, and the port it listens on, read from the code rather than restated here.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { envNames, parseEnv } from '../../src/env.ts'
import { createHealthRoute } from '../../src/http/routes/health.ts'
import { only, repoRoot } from './rendered-manifests.ts'

const deployment = only('Deployment')
const container = deployment.spec.template.spec.containers[0]
const configMap = only('ConfigMap', container.envFrom[0].configMapRef.name)
const secret = only('ExternalSecret', 'view-counter-db-credentials')
const service = only('Service')
// The probes' routes as the service builds them; readiness itself is tested in tests/routes/health.test.ts.
const health = createHealthRoute({ state: () => 'ready' })
const cluster = only('Cluster')

// The environment the pod gets, with each secret key replaced by a stand-in value.
function podEnvironment(): Record<string, string> {
  const env: Record<string, string> = { ...configMap.data }
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef
    env[variable.name] = ref ? `secret:${ref.name}/${ref.key}` : variable.value
  }
  return env
}

describe('environment', () => {
  test('every variable the manifests provide is read by the app', () => {
    const read = new Set(envNames)
    expect(Object.keys(podEnvironment()).filter((name) => !read.has(name))).toEqual([])
  })

  test('the provided environment parses and points at the CNPG read-write service', () => {
    const env = parseEnv(podEnvironment())
    const url = new URL(env.DATABASE_URL!)
    expect(url.hostname).toBe(`${cluster.metadata.name}-rw.${cluster.metadata.namespace}.svc`)
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(cluster.spec.bootstrap.initdb.database)
    expect(decodeURIComponent(url.username)).toBe('secret:view-counter-db-credentials/username')
    expect(decodeURIComponent(url.password)).toBe('secret:view-counter-db-credentials/password')
  })

  test('the app and CNPG read the same secret, with the keys each expects', () => {
    expect(cluster.spec.bootstrap.initdb.secret.name).toBe(secret.spec.target.name)
    expect(secret.spec.target.template.type).toBe('kubernetes.io/basic-auth')
    expect(secret.spec.data.map((entry: any) => entry.secretKey).sort()).toEqual(['password', 'username'])
  })

  test('nothing the app needs is left to a default that would break in the cluster', () => {
    // Without DB_HOST or DATABASE_URL the app would fall back to PGlite, which the image omits.
    const env = podEnvironment()
    expect(Boolean(env.DB_HOST || env.DATABASE_URL)).toBe(true)
  })
})

describe('ports and probes', () => {
  const env = parseEnv(podEnvironment())
  const port = container.ports.find((p: any) => p.name === 'http')

  test('the container port is the port the app listens on', () => {
    expect(port.containerPort).toBe(env.PORT)
  })

  test('the Service exposes 9313 and targets that port', () => {
    expect(service.metadata.name).toBe('viewcounter-server')
    expect(service.spec.ports[0].port).toBe(9313)
    expect(service.spec.ports[0].targetPort).toBe(port.name)
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels)
  })

  test('probes use routes the app serves, on the named port', async () => {
    const served = new Set(health.routes.filter((route) => route.method === 'GET').map((route) => route.path))
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(served.has(container[probe].httpGet.path)).toBe(true)
      expect(container[probe].httpGet.port).toBe(port.name)
    }
    expect(container.livenessProbe.httpGet.path).toBe('/health')
    expect(container.readinessProbe.httpGet.path).toBe('/ready')
    const response = await health.request('/health')
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  test('termination grace covers preStop plus the app shutdown cap', () => {
    const preStop = container.lifecycle.preStop.sleep.seconds
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds
    expect(grace).toBeGreaterThanOrEqual(preStop + env.SHUTDOWN_TIMEOUT_MS / 1000)
  })
})

describe('cloudflared', () => {
  const directory = join(repoRoot, 'cloudflared')
  const rules = parse(readFileSync(join(directory, 'ingress-rule.yaml'), 'utf8'))

  test('routes the viewcounter hostname to the Service name, namespace and port', () => {
    expect(rules.length).toBe(1)
    const url = new URL(rules[0].service)
    expect(rules[0].hostname).toStartWith('viewcounter.')
    expect(url.protocol).toBe('http:')
    expect(url.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`)
    expect(Number(url.port)).toBe(service.spec.ports[0].port)
  })

  // The owner's tunnel ConfigMap holds config.yaml as one string: any object or patch of it would
  // replace the whole file, tunnel name and credentials included.
  test('ships only the rule to add: no Kubernetes object, no catch-all, no tunnel settings', () => {
    for (const file of readdirSync(directory)) {
      const documents = parseAllDocuments(readFileSync(join(directory, file), 'utf8')).map((document) =>
        document.toJS(),
      )
      for (const document of documents) {
        expect({
          file,
          isObject: !Array.isArray(document) && ('kind' in document || 'apiVersion' in document),
        }).toEqual({ file, isObject: false })
        expect({ file, isList: Array.isArray(document) }).toEqual({ file, isList: true })
        for (const rule of document) expect(Object.keys(rule).sort()).toEqual(['hostname', 'service'])
      }
    }
  })

  test('comes from the namespace the app NetworkPolicy admits', () => {
    const policy = only('NetworkPolicy', 'view-counter')
    const from = policy.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']
    expect(from).toBe('cloudflared')
    expect(policy.spec.ingress[0].ports[0].port).toBe(service.spec.ports[0].port)
  })
})
