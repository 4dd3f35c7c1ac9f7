import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Provisioning } from '@shopwatch/protocols';
import { parseConfig } from '../edge-agent/src/config';

const ROOT = path.resolve(import.meta.dirname, '..');
// No Docker engine runs here: the deployment file is checked by reading it.
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('defines the hub, an edge agent per store and the demo camera as an optional profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['demo-camera', 'edge-boots', 'hub']);
    expect(compose.services['demo-camera'].profiles).toEqual(['demo']);
    expect(compose.services.hub.profiles).toBeUndefined();
  });

  it('publishes the contract ports and keeps data in named volumes', () => {
    expect(compose.services.hub.ports).toEqual(['8080:8080', '1883:1883']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['demo-media', 'edge-boots-spool', 'hub-data']);
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
});
