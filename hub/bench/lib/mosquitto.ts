import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

/**
 * Debian's Mosquitto as the peer: no persistence, TCP_NODELAY on, no queue limits (so a burst
 * is not dropped), anonymous on loopback only.
 */
export async function startMosquitto(dir: string, port: number): Promise<ChildProcess> {
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    `${[
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'set_tcp_nodelay true',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'log_dest none',
    ].join('\n')}\n`,
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('mosquitto did not start');
}

function canConnect(port: number) {
  return new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
