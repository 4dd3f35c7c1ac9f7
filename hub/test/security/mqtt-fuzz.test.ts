import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckStatus,
  AlertType,
  Outcome,
  Severity,
  TOPICS,
  parsePayload,
  parseTopic,
  topics,
} from '@shopwatch/protocols';
import { login } from '../support/hub';
import { TestDevice, sleep } from '../support/mqtt';
import { type HubProcess, spawnHub } from './support';

/** Generated device messages; at least 50,000 (FUZZ_COUNT raises it). */
const COUNT = Math.max(50_000, Number(process.env.FUZZ_COUNT ?? 0));
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
/** Each publisher stays under the hub's per-connection packet rate (1,000/s): this is not a flood test. */
const PER_CONNECTION_PER_SECOND = 700;
const IN_FLIGHT = 70;

const safeJson = (v: unknown) => {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '{"unserialisable":true}';
  }
};

// Topic levels as a hostile device might write them: real ids, other schemes, junk.
const schemeArb = fc.constantFrom('town', 'town', 'town', 'city', 'nope', '');
const idArb = fc.oneof(
  fc.constantFrom('radio-boots', 'radio-tesco', 'edge-boots', 'warden-1', 'control-room', 'no-such'),
  fc.string({ maxLength: 24 }),
);
const level = (s: string) => s.replace(/[+#/\u0000]/g, '_');
const topicArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: schemeArb.map((s) => `shopwatch/${level(s)}/alerts/raise`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(schemeArb, idArb, fc.constantFrom('ack', 'close', 'receipt'))
      .map(([s, a, k]) => `shopwatch/${level(s)}/alerts/${level(a)}/${k}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(schemeArb, idArb, idArb, fc.constantFrom('report', 'status'))
      .map(([s, d, c, k]) => `shopwatch/${level(s)}/devices/${level(d)}/cameras/${level(c)}/${k}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(schemeArb, idArb, fc.constantFrom('evidence', 'gallery/applied', 'status', 'errors'))
      .map(([s, d, k]) => `shopwatch/${level(s)}/devices/${level(d)}/${k}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        schemeArb,
        fc.constantFrom('zones/north/alerts', 'zones/south/alerts', 'review/candidates', 'gallery/version'),
      )
      .map(([s, k]) => `shopwatch/${level(s)}/${k}`),
  },
  {
    weight: 1,
    arbitrary: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }).map((t) => t.replace(/[+#\u0000]/g, '_')),
  },
);

const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: fc.anything() });
const bodyArb = fc.oneof(
  fc.record(
    {
      type: maybe(fc.constantFrom(...AlertType.options)),
      severity: maybe(fc.constantFrom(...Severity.options)),
      clientRef: maybe(fc.string({ minLength: 1, maxLength: 64 })),
      message: maybe(fc.string({ maxLength: 600, unit: 'grapheme' })),
      store: maybe(fc.constantFrom('boots', 'tesco', 'argos')),
      zone: maybe(fc.constantFrom('north', 'south')),
      priority: maybe(fc.boolean()),
      subjectId: maybe(fc.string({ maxLength: 70 })),
    },
    { requiredKeys: [] },
  ),
  fc.record({ status: maybe(fc.constantFrom(...AckStatus.options)), note: maybe(fc.string()) }, { requiredKeys: [] }),
  fc.record({ outcome: maybe(fc.constantFrom(...Outcome.options)), note: maybe(fc.string()) }, { requiredKeys: [] }),
  fc.record(
    { eventSeq: fc.anything(), status: maybe(fc.constantFrom('online', 'offline', 'failed')) },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 6, withBoxedValues: true, withNullPrototype: true }),
  fc.jsonValue({ maxDepth: 8 }),
);
const payloadArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 40, arbitrary: bodyArb.map((v) => Buffer.from(safeJson(v))) },
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
  { weight: 5, arbitrary: fc.string({ maxLength: 3000, unit: 'binary' }).map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) =>
      Buffer.from(
        safeJson({
          type: 'violence',
          severity: 'low',
          clientRef: `long-${n}`,
          message: 'x'.repeat(n),
        }),
      ),
    ),
  },
);

/**
 * A fuzz run of the MQTT inbound path of a real hub (its own process): generated topics and
 * payloads from real mqtt.js clients at QoS 1, many in flight. Seen from the victims: nothing
 * refused is relayed, nothing invalid is stored, the hub keeps answering, its memory stays bounded.
 */
describe('MQTT inbound fuzz', () => {
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await spawnHub();
  }, 90_000);
  afterAll(async () => hub?.stop());

  it(`survives ${COUNT} generated messages, stores only valid raises and relays nothing refused`, async () => {
    const p = hub.mqttPort;
    const victims = [
      await TestDevice.connect(p, 'radio-coop', 'radio-coop-secret-for-tests'),
      await TestDevice.connect(p, 'control-room', 'control-room-secret-for-tests'),
    ];
    await victims[0]!.subscribe([topics.zoneAlerts('town', 'north'), topics.deviceStatus('town', 'radio-coop')]);
    await victims[1]!.subscribe([
      'shopwatch/town/zones/+/alerts',
      'shopwatch/town/devices/+/status',
      'shopwatch/town/devices/+/cameras/+/status',
      topics.reviewCandidates('town'),
    ]);
    const fuzzers = [
      await TestDevice.connect(p, 'radio-boots', 'radio-boots-secret-for-tests'),
      await TestDevice.connect(p, 'radio-tesco', 'radio-tesco-secret-for-tests'),
      await TestDevice.connect(p, 'edge-boots', 'edge-boots-secret-for-tests'),
      await TestDevice.connect(p, 'warden-1', 'warden-one-secret-for-tests'),
    ];
    const sentPayloads = new Set<string>();
    const validRaiseRefs = new Set<string>();
    const rssBefore = hub.rss();
    let rssMax = rssBefore;
    const started = Date.now();
    const batch = 1000;

    for (let b = 0; b * batch < COUNT; b++) {
      const msgs = fc.sample(fc.tuple(topicArb, payloadArb), { numRuns: batch, seed: SEED + b });
      for (const [topic, payload] of msgs) {
        if (payload.length < 4096) sentPayloads.add(payload.toString());
        const t = parseTopic(topic);
        if (t?.kind === 'alertRaise' && t.scheme === 'town') {
          const v = parsePayload('alertRaise', payload);
          if (v.ok) validRaiseRefs.add(v.value.clientRef);
        }
      }
      // Each fuzzer takes a quarter, sends IN_FLIGHT at a time, paced under its packet rate.
      await Promise.all(
        fuzzers.map(async (f, i) => {
          const mine = msgs.filter((_, j) => j % fuzzers.length === i);
          for (let k = 0; k < mine.length; k += IN_FLIGHT) {
            const t0 = Date.now();
            await Promise.all(mine.slice(k, k + IN_FLIGHT).map(([topic, payload]) => f.publish(topic, payload)));
            const minMs = (IN_FLIGHT / PER_CONNECTION_PER_SECOND) * 1000;
            if (Date.now() - t0 < minMs) await sleep(minMs - (Date.now() - t0));
          }
        }),
      );
      rssMax = Math.max(rssMax, hub.rss());
    }
    const seconds = (Date.now() - started) / 1000;

    // The hub still answers: a device raises and hears its alert; no process exit.
    const check = await TestDevice.connect(p, 'radio-coop', 'radio-coop-secret-for-tests');
    await check.subscribe(topics.zoneAlerts('town', 'north'));
    await check.publish(topics.alertRaise('town'), { type: 'suspicious', severity: 'low', clientRef: 'after-fuzz' });
    await check.waitFor((m) => m.json?.alert?.clientRef === 'after-fuzz', 10_000);
    expect((await fetch(`${hub.http}/readyz`)).status).toBe(200);
    expect(hub.child.exitCode).toBeNull();
    for (const f of fuzzers) expect(f.client.connected).toBe(true); // refusals never cost the connection

    // Nothing invalid was stored: every fuzzed alert has a clientRef of a schema-valid raise.
    const token = await login(hub.http, 'operator', 'operator-password');
    const res = await fetch(`${hub.http}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    const alerts = (await res.json()) as { clientRef: string; raisedBy: { id: string } }[];
    const fuzzed = alerts.filter((a) => a.clientRef !== 'after-fuzz');
    expect(fuzzed.filter((a) => !validRaiseRefs.has(a.clientRef))).toEqual([]);

    // The victims received only what the hub writes, in its shapes, and no payload as it was sent.
    for (const v of victims) {
      for (const m of v.messages) {
        const kind = parseTopic(m.topic)?.kind;
        expect(kind && TOPICS[kind].direction, m.topic).toBe('out');
        expect(TOPICS[kind!].schema.safeParse(m.json).success, m.payload.slice(0, 200)).toBe(true);
        expect(sentPayloads.has(m.payload), m.payload.slice(0, 200)).toBe(false);
      }
    }
    const grew = (rssMax - rssBefore) / 2 ** 20;
    console.info(
      `fuzz: ${COUNT} messages in ${seconds.toFixed(1)} s (${Math.round(COUNT / seconds)}/s), ` +
        `${validRaiseRefs.size} schema-valid raises, ${fuzzed.length} alerts stored, ` +
        `hub RSS +${grew.toFixed(1)} MB at most`,
    );
    expect(grew).toBeLessThan(96);
    await Promise.all([...victims, ...fuzzers, check].map((d) => d.end()));
  }, 300_000);
});
