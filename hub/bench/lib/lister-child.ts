/**
 * The control-room console in its own process: `node --import tsx lister-child.ts URL TOKEN`.
 * Reads commands on stdin, one a line: `go` starts requesting `GET /api/alerts?limit=500` back to
 * back, `pause` stops after the request in flight and answers `idle`, `end` (or stdin closing)
 * prints one JSON line `{ ms: number[], bytes, wireBytes, statuses }` and exits. A console is another
 * machine: receiving megabytes of JSON in the benchmark's own process would delay the very
 * PUBACKs the benchmark times there.
 */
import readline from 'node:readline';

const [url, token] = process.argv.slice(2) as [string, string];
const ms: number[] = [];
const statuses: Record<number, number> = {};
let bytes = 0;
/** Bytes on the wire (gzipped when the hub gzips; fetch asks for it and decodes it). */
let wireBytes = 0;
let running: Promise<void> | null = null;
let wanted = false;

async function loop() {
  while (wanted) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    bytes = (await res.arrayBuffer()).byteLength;
    wireBytes = Number(res.headers.get('content-length') ?? bytes);
    ms.push(performance.now() - t0);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
}

async function end() {
  wanted = false;
  await running;
  process.stdout.write(`${JSON.stringify({ ms, bytes, wireBytes, statuses })}\n`);
  process.exit(0);
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (cmd) => {
  if (cmd === 'go' && !wanted) {
    wanted = true;
    running = loop();
  } else if (cmd === 'pause') {
    wanted = false;
    await running;
    process.stdout.write('idle\n');
  } else if (cmd === 'end') await end();
});
lines.on('close', end);
