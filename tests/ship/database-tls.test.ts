// In the cluster the app verifies the database's certificate against CloudNativePG's own CA.
import { expect, test } from 'bun:test'
import { dirname } from 'node:path'
import { parseEnv } from '../../src/env.ts'
import { only } from './rendered-manifests.ts'

const deployment = only('Deployment')
const pod = deployment.spec.template.spec
const container = pod.containers[0]
const cluster = only('Cluster')
const env = parseEnv(only('ConfigMap', container.envFrom[0].configMapRef.name).data!)

test('the app connects with DATABASE_SSL=verify-full', () => {
  expect(env.DATABASE_SSL).toBe('verify-full')
})

test("the CA file it reads is the cluster's CA secret (<cluster>-ca, key ca.crt), mounted read-only", () => {
  const mount = container.volumeMounts.find((m: any) => m.mountPath === dirname(env.DATABASE_CA_FILE!))
  expect(mount?.readOnly).toBe(true)
  const volume = pod.volumes.find((v: any) => v.name === mount.name)
  expect(volume.secret.secretName).toBe(`${cluster.metadata.name}-ca`)
  const item = volume.secret.items.find((i: any) => env.DATABASE_CA_FILE!.endsWith(`/${i.path}`))
  expect(item.key).toBe('ca.crt')
})

test('the host it dials is a name CloudNativePG puts in every server certificate it issues', () => {
  // cloudnative-pg api/v1 cluster_funcs.go GetClusterAltDNSNames: <svc>, <svc>.<ns>, <svc>.<ns>.svc
  // in all releases; <svc>.<ns>.svc.<cluster domain> only in recent ones.
  const rw = `${cluster.metadata.name}-rw`
  const names = [rw, `${rw}.${cluster.metadata.namespace}`, `${rw}.${cluster.metadata.namespace}.svc`]
  expect(names).toContain(new URL(env.DATABASE_URL!).hostname)
})
