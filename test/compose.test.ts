import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Provisioning } from '@shopwatch/protocols';
import { parseConfig } from '../edge-agent/src/config';
import { fdsFor } from '../hub/src/cluster/haproxy-config';

const ROOT = path.resolve(import.meta.dirname, '..');
// No Docker engine runs here: the deployment file is checked by reading it.
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('defines the hub, an edge agent per store and the demo camera as an optional profile', () => {
    const byDefault = Object.keys(compose.services).filter((n) => !compose.services[n].profiles);
    expect(byDefault.sort()).toEqual(['edge-boots', 'hub']);
    expect(compose.services['demo-camera'].profiles).toEqual(['demo']);
    expect(compose.services.hub.profiles).toBeUndefined();
  });

  it('publishes the contract ports and keeps data in named volumes', () => {
    expect(compose.services.hub.ports).toEqual(['8080:8080', '1883:1883']);
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'cluster-data',
      'cluster-postgres',
      'cluster-redis',
      'demo-media',
      'edge-boots-spool',
      'hub-data',
    ]);
    expect(compose.services.hub.volumes).toContain('hub-data:/data');
    expect(compose.services['edge-boots'].volumes).toContain('edge-boots-spool:/spool');
    for (const s of Object.values<any>(compose.services)) {
      for (const v of s.volumes ?? []) {
        const src = String(v).split(':')[0]!;
        if (src.startsWith('.')) expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
        else expect(compose.volumes, src).toHaveProperty(src);
      }
    }
  });

  it('configures through the environment the hub reads', () => {
    const env = compose.services.hub.environment;
    expect(env).toMatchObject({
      SHOPWATCH_DATA_DIR: '/data',
      SHOPWATCH_SEED: '/config/provisioning.json',
      SHOPWATCH_HTTP_PORT: '8080',
      SHOPWATCH_MQTT_PORT: '1883',
    });
    const edge = compose.services['edge-boots'];
    expect(edge.environment).toMatchObject({
      SHOPWATCH_EDGE_HUB__MQTT_URL: 'mqtt://hub:1883',
      SHOPWATCH_EDGE_HUB__HTTP_URL: 'http://hub:8080',
    });
    expect(edge.depends_on.hub.condition).toBe('service_healthy');
  });

  it('has a health check on every service', () => {
    for (const [name, s] of Object.entries<any>(compose.services)) {
      expect(s.healthcheck?.test?.[0], name).toBe('CMD');
      expect(s.healthcheck.interval, name).toMatch(/^\d+s$/);
    }
    expect(compose.services.hub.healthcheck.test.join(' ')).toContain('/readyz');
  });

  it('builds from Dockerfiles that exist, and ships configuration files that validate', () => {
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, compose.services['demo-camera'].build.dockerfile))).toBe(true);
    const prov = Provisioning.safeParse(
      JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/config/provisioning.json'), 'utf8')),
    );
    expect(prov.success).toBe(true);
    const edge = parseConfig(JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/config/edge-boots.json'), 'utf8')));
    expect(edge.device.id).toBe('edge-boots');
    expect(prov.data!.devices.some((d) => d.id === edge.device.id && d.kind === 'edge')).toBe(true);
  });

  it('builds the demo from scripts/demo, never from a test folder, and copies only files that exist', () => {
    const dockerfiles = ['Dockerfile', compose.services['demo-camera'].build.dockerfile as string];
    const demo = [...dockerfiles, 'docker-compose.yml', 'scripts/start.ts'];
    for (const file of demo) {
      // `npm start` and the images must not depend on test code (issue 13.7).
      expect(fs.readFileSync(path.join(ROOT, file), 'utf8'), file).not.toMatch(/\btest\/support\b/);
    }
    for (const file of dockerfiles) {
      const copies = [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^COPY\s+(\S+)\s+\S+$/gm)];
      for (const [, from] of copies) expect(fs.existsSync(path.join(ROOT, from!)), `${file}: COPY ${from}`).toBe(true);
    }
  });

  describe('the "cluster" profile (issue 14)', () => {
    const replicas = ['hub-1', 'hub-2', 'hub-3'];
    const cluster = ['haproxy', ...replicas, 'postgres', 'redis'];

    it('adds PostgreSQL 15, Redis 7, HAProxy 2.6 and three hub replicas, none of them by default', () => {
      const inProfile = Object.keys(compose.services).filter((n) => compose.services[n].profiles?.includes('cluster'));
      expect(inProfile.sort()).toEqual(cluster);
      expect(compose.services.postgres.image).toBe('postgres:15');
      expect(compose.services.redis.image).toBe('redis:7');
      expect(compose.services.haproxy.image).toBe('haproxy:2.6');
      for (const r of replicas) expect(compose.services[r].image).toBe(compose.services.hub.image);
      // The front door takes the contract ports; the replicas publish none of their own.
      expect(compose.services.haproxy.ports).toEqual(compose.services.hub.ports);
      for (const r of replicas) expect(compose.services[r].ports, r).toBeUndefined();
    });

    it('points every replica at the shared engines and one shared data volume, each with its own node id', () => {
      const ids = new Set<string>();
      for (const r of replicas) {
        const env = compose.services[r].environment;
        expect(env.SHOPWATCH_DATABASE_URL, r).toMatch(/^postgres:\/\/shopwatch:.+@postgres:5432\/shopwatch$/);
        expect(env.SHOPWATCH_REDIS_URL, r).toBe('redis://redis:6379');
        expect(env).toMatchObject({
          SHOPWATCH_DATA_DIR: '/data',
          SHOPWATCH_HTTP_PORT: '8080',
          SHOPWATCH_MQTT_PORT: '1883',
        });
        expect(Number(env.SHOPWATCH_DRAIN_SECONDS)).toBeGreaterThan(0);
        expect(compose.services[r].volumes).toContain('cluster-data:/data');
        ids.add(env.SHOPWATCH_NODE_ID);
        // The address the other replicas relay live-view sockets to: its own service name and port.
        expect(env.SHOPWATCH_INTERNAL_URL, r).toBe(`http://${r}:8080`);
      }
      expect([...ids].sort()).toEqual(replicas);
      // The password comes from the environment, and is the one PostgreSQL is started with.
      expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:-/);
      expect(compose.services['hub-1'].environment.SHOPWATCH_DATABASE_URL).toContain(
        compose.services.postgres.environment.POSTGRES_PASSWORD,
      );
      expect(compose.services.postgres.volumes).toContain('cluster-postgres:/var/lib/postgresql/data');
      expect(compose.services.redis.volumes).toContain('cluster-redis:/data');
      expect(compose.services.redis.command.join(' ')).toContain('--appendonly yes');
    });

    it("has every replica trust X-Forwarded-For from HAProxy's fixed address only", () => {
      const proxy = compose.services.haproxy.networks.front.ipv4_address;
      const subnet = compose.networks.front.ipam.config[0].subnet as string;
      expect(proxy.split('.').slice(0, 3)).toEqual(subnet.split('.').slice(0, 3));
      for (const r of replicas) {
        expect(compose.services[r].environment.SHOPWATCH_TRUSTED_PROXIES, r).toBe(proxy);
        expect(compose.services[r].networks, r).toContain('front');
      }
    });

    it('starts in order on health, gives a drain time to stop, and mounts the checked-in HAProxy file', () => {
      expect(compose.services['hub-1'].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      for (const r of ['hub-2', 'hub-3'])
        expect(compose.services[r].depends_on['hub-1'].condition).toBe('service_healthy');
      for (const r of replicas) {
        const grace = Number(/^(\d+)s$/.exec(compose.services[r].stop_grace_period)?.[1]);
        expect(grace, r).toBeGreaterThan(Number(compose.services[r].environment.SHOPWATCH_DRAIN_SECONDS) + 5);
        expect(compose.services[r].healthcheck.test.join(' ')).toContain('/readyz');
      }
      expect(Object.keys(compose.services.haproxy.depends_on).sort()).toEqual(replicas);
      const mount = compose.services.haproxy.volumes[0] as string;
      expect(mount).toBe('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
      // Every replica is a server of both HAProxy backends, by its service name.
      const cfg = fs.readFileSync(path.join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
      for (const r of replicas) {
        expect(cfg).toContain(`server ${r} ${r}:1883 `);
        expect(cfg).toContain(`server ${r} ${r}:8080 `);
      }
      // HAProxy gets the descriptors its maxconn needs, and refuses to start without them.
      const maxconn = Number(/^\s*maxconn (\d+)$/m.exec(cfg)?.[1]);
      expect(compose.services.haproxy.ulimits.nofile.soft).toBeGreaterThanOrEqual(fdsFor(maxconn));
      expect(compose.services.postgres.healthcheck.test).toContain('pg_isready');
      expect(compose.services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    });
  });
});
