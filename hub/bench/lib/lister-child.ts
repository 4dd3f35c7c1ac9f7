/**
 * The control-room console in its own process: `node --import tsx lister-child.ts URL TOKEN`
 * requests `GET /api/alerts?limit=500` back to back until stdin closes, then prints one JSON line
 * `{ ms: number[], bytes, statuses }`. A console is another machine: receiving megabytes of JSON in
 * the benchmark's own process would delay the very PUBACKs the benchmark times there.
 */
export {};

const [url, token] = process.argv.slice(2) as [string, string];
const ms: number[] = [];
const statuses: Record<number, number> = {};
let bytes = 0;
let running = true;
process.stdin.resume();
process.stdin.on('end', () => (running = false));
while (running) {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/alerts?limit=500`, { headers: { authorization: `Bearer ${token}` } });
  bytes = (await res.arrayBuffer()).byteLength;
  ms.push(performance.now() - t0);
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
}
process.stdout.write(`${JSON.stringify({ ms, bytes, statuses })}\n`);
process.exit(0);
