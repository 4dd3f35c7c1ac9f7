import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS, render } from '../scripts/generate-docs';

describe('generated interface documents', () => {
  for (const [file, make] of Object.entries(DOCS)) {
    it(`${file} matches the zod schemas (run "npm run docs" after changing protocols)`, () => {
      const committed = fs.readFileSync(path.join(import.meta.dirname, '..', file), 'utf8');
      expect(committed).toBe(render(make()));
    });
  }

  it('documents every MQTT topic and every HTTP endpoint the hub serves', () => {
    const asyncapi = JSON.parse(render(DOCS['asyncapi.json']()));
    expect(Object.values(asyncapi.channels).map((c: any) => c.address)).toEqual(
      expect.arrayContaining([
        'shopwatch/{scheme}/alerts/raise',
        'shopwatch/{scheme}/zones/{zone}/alerts',
        'shopwatch/{scheme}/alerts/{alertId}/receipt',
        'shopwatch/{scheme}/devices/{deviceId}/status',
      ]),
    );
    const openapi = JSON.parse(render(DOCS['openapi.json']()));
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/login',
        '/api/alerts',
        '/api/alerts/{id}/ack',
        '/api/alerts/{id}/close',
        '/api/devices',
        '/api/push/key',
        '/api/push/subscriptions',
      ]),
    );
    expect(openapi.components.schemas.RaiseRequest.required).toEqual(
      expect.arrayContaining(['type', 'severity', 'clientRef']),
    );
  });
});
