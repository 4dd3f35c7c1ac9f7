/**
 * The import graph keeps the shape ARCHITECTURE.md draws: no cycles; transports (MQTT, browser
 * WebSocket, HTTP, live-view sockets) are adapters that never import one another; the domain
 * imports no transport; `protocols` imports nothing of the deployables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from './support/import-graph';

const ROOT = path.resolve(import.meta.dirname, '..');
const graph = importGraph(ROOT, ['protocols/src', 'hub/src', 'edge-agent/src', 'dashboard/src', 'models/src']);
const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

/** The transport a hub file belongs to, or null for the domain and the composition root. */
function transportOf(file: string): string | null {
  const folder = /^hub\/src\/(mqtt|ws|http)\//.exec(file)?.[1];
  if (folder) return folder;
  // Route modules kept beside their feature are HTTP. In live/, the rule of who may watch
  // (access.ts) is domain; the rest is the live-view sockets and the streams they relay.
  if (/^hub\/src\/[a-z-]+\/routes-[a-z-]+\.ts$/.test(file)) return 'http';
  if (file.startsWith('hub/src/live/') && file !== 'hub/src/live/access.ts') return 'live';
  return null;
}

/** Files that build the hub (and so may import every part): the composition roots. */
const COMPOSITION = new Set(
  ['hub.ts', 'compose.ts', 'features.ts', 'server.ts', 'services.ts', 'main.ts', 'cli.ts'].map((f) => `hub/src/${f}`),
);

/**
 * Tests that start parts of two workspaces (a real hub with a real edge agent or a real browser)
 * live in test/, so each workspace's own tests exercise that workspace alone. They may use
 * protocols and models: shared libraries (message shapes; the real models and their fixtures)
 * that import no deployable. scripts/ is shared tooling, not a workspace.
 */
const WORKSPACES = ['protocols', 'hub', 'edge-agent', 'dashboard', 'models', 'test'];
const SHARED = new Set(['protocols', 'models']);
const testGraph = importGraph(ROOT, ['hub/test', 'edge-agent/test', 'dashboard/test', 'models/test']);

const show = (list: { from: string; to: string }[]) => list.map((e) => `${e.from} -> ${e.to}`);

describe('the import graph', () => {
  it('is read from the real source files', () => {
    // Guards the rules below against passing on an empty or wrongly resolved graph.
    expect([...graph.keys()].filter((f) => f.startsWith('hub/src/')).length).toBeGreaterThan(100);
    expect(graph.get('hub/src/hub.ts')).toContain('hub/src/compose.ts');
    expect(graph.get('hub/src/mqtt/broker.ts')).toContain('protocols/src/index.ts');
  });

  it('finds a cycle where there is one', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import from one transport into another', () => {
    const crossing = edges.filter((e) => {
      const [a, b] = [transportOf(e.from), transportOf(e.to)];
      return a !== null && b !== null && a !== b;
    });
    expect(show(crossing)).toEqual([]);
  });

  it('has no import from the domain into a transport (only the composition root wires them)', () => {
    const inward = edges.filter(
      (e) => e.from.startsWith('hub/src/') && !COMPOSITION.has(e.from) && !transportOf(e.from) && transportOf(e.to),
    );
    expect(show(inward)).toEqual([]);
  });

  it('keeps protocols free of the hub, the edge agent and the dashboard', () => {
    const outward = edges.filter((e) => e.from.startsWith('protocols/') && !e.to.startsWith('protocols/'));
    expect(show(outward)).toEqual([]);
  });

  it('lets no workspace export a file that does not exist', () => {
    const missing = ['protocols', 'hub', 'edge-agent', 'dashboard', 'models', 'test'].flatMap((ws) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, ws, 'package.json'), 'utf8'));
      const targets: string[] = typeof pkg.exports === 'string' ? [pkg.exports] : Object.values(pkg.exports ?? {});
      return targets.filter((t) => !fs.existsSync(path.join(ROOT, ws, t))).map((t) => `${ws}: ${t}`);
    });
    expect(missing).toEqual([]);
  });

  it("keeps each workspace's tests to that workspace (cross-workspace tests live in test/)", () => {
    expect(testGraph.size).toBeGreaterThan(100);
    const crossing = [...testGraph].flatMap(([from, targets]) =>
      targets
        .filter((to) => {
          const [own, other] = [from.split('/')[0]!, to.split('/')[0]!];
          return other !== own && WORKSPACES.includes(other) && !SHARED.has(other);
        })
        .map((to) => ({ from, to })),
    );
    expect(show(crossing)).toEqual([]);
  });
});
