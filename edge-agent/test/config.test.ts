import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/config';

const valid = {
  hub: { mqttUrl: 'mqtt://hub.local:1883', httpUrl: 'http://hub.local:8080' },
  device: { id: 'edge-1', secret: 's3cret-s3cret', scheme: 'town' },
  cameras: [{ id: 'door', name: 'Front door', url: 'rtsp://10.0.0.5/sub', detectSize: { width: 384, height: 288 } }],
  spool: { dir: '/var/lib/shopwatch/spool', quotaBytes: '2GB' },
};

function writeConfig(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'edge-config-')), 'edge.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('edge config', () => {
  it('accepts the example config shipped with the agent', () => {
    const file = fileURLToPath(new URL('../edge.example.json', import.meta.url));
    expect(loadConfig({ file, env: {} }).cameras[0].recordUrl).toMatch(/^rtsp:/);
  });

  it('fills in the documented defaults', () => {
    const cfg = loadConfig({ file: writeConfig(valid), env: {} });
    expect(cfg.cameras[0]).toMatchObject({ detectFps: 5, rtspTransport: 'tcp', enabled: true });
    expect(cfg.evidence).toMatchObject({ preRollSeconds: 10, postRollSeconds: 10, segmentSeconds: 2 });
    expect(cfg.ffmpegPath).toBe('ffmpeg');
    expect(cfg.spool.quotaBytes).toBe(2_000_000_000);
    expect(cfg.spool.warnRatio).toBe(0.8);
    expect(cfg.watchdog.timeoutSeconds).toBe(10);
    // (no `match`: the manifest's calibrated threshold applies)
    expect(cfg.thresholds).toEqual({ frames: 3, windowSeconds: 3, cooldownSeconds: 60 });
  });

  it('lets SHOPWATCH_EDGE_ variables override the file, nested with __', () => {
    const cfg = loadConfig({
      file: writeConfig(valid),
      env: {
        SHOPWATCH_EDGE_HUB__MQTT_URL: 'mqtts://other:8883',
        SHOPWATCH_EDGE_CAMERAS__0__DETECT_FPS: '8',
        SHOPWATCH_EDGE_DEVICE__SECRET: '12345678',
        SHOPWATCH_EDGE_EVIDENCE__PRE_ROLL_SECONDS: '4',
        SHOPWATCH_EDGE_SPOOL__QUOTA_BYTES: '500MiB',
      },
    });
    expect(cfg.hub.mqttUrl).toBe('mqtts://other:8883');
    expect(cfg.cameras[0].detectFps).toBe(8);
    expect(cfg.device.secret).toBe('12345678'); // a string field stays a string
    expect(cfg.evidence.preRollSeconds).toBe(4);
    expect(cfg.spool.quotaBytes).toBe(500 * 1024 * 1024);
  });

  it('names the path of a bad field', () => {
    const bad = structuredClone(valid) as Record<string, any>;
    bad.cameras[0].detectFps = 100;
    bad.cameras[0].detectSize.width = 383;
    const err = errorOf(() => parseConfig(bad, 'edge.json'));
    expect(err.issues.map((i) => i.path)).toEqual(['cameras[0].detectFps', 'cameras[0].detectSize.width']);
    expect(err.message).toContain('edge.json');
    expect(err.message).toMatch(/cameras\[0\]\.detectFps: .*30/);
  });

  it('refuses unknown fields (strict), naming them', () => {
    const err = errorOf(() => parseConfig({ ...valid, hub: { ...valid.hub, mqtUrl: 'x' } }));
    expect(err.issues).toContainEqual({ path: 'hub.mqtUrl', message: 'unknown field', env: undefined });
  });

  it('says which environment variable supplied a bad value', () => {
    const err = errorOf(() =>
      loadConfig({ file: writeConfig(valid), env: { SHOPWATCH_EDGE_HUB__HTTP_URL: 'ftp://x' } }),
    );
    expect(err.issues).toEqual([expect.objectContaining({ path: 'hub.httpUrl', env: 'SHOPWATCH_EDGE_HUB__HTTP_URL' })]);
    expect(err.message).toContain('(from SHOPWATCH_EDGE_HUB__HTTP_URL)');
  });

  it('reports missing required fields, duplicate camera ids and a bad quota', () => {
    const err = errorOf(() =>
      parseConfig({
        ...valid,
        device: { id: 'edge-1' },
        cameras: [valid.cameras[0], valid.cameras[0]],
        spool: { dir: 'x', quotaBytes: 'lots' },
      }),
    );
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['device.secret', 'cameras[1].id', 'spool.quotaBytes']));
  });

  it('reports a file that is missing or not JSON', () => {
    expect(() => loadConfig({ file: '/nonexistent/edge.json', env: {} })).toThrow(/file not found/);
    const file = writeConfig('');
    writeFileSync(file, '{ nope');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid JSON/);
  });
});
