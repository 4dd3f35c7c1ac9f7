// The tool host: a small Node process, forked once by the agent, that starts its ffmpeg and
// ffprobe jobs (issue 15). Node forks the whole calling process to spawn a child, so a spawn
// blocks the caller for time that grows with its memory: ~150 ms from an 800 MB process against
// ~5 ms from this one, and the agent (onnxruntime sessions in every worker) is the large one.
// Plain JavaScript on purpose: no loader, only Node's own modules, so it starts small and fast.
// Protocol (IPC, advanced serialization), one job per `id`:
//   in:  { type: 'run', id, cmd, args } | { type: 'kill', id }
//   out: { type: 'stdout', id, data } ... then { type: 'close', id, code, signal, stderr }
//        or { type: 'error', id, message } (could not start)
import { spawn } from 'node:child_process';

/** Running jobs by id. */
const jobs = new Map();

/** SIGKILL to the job and everything it started: it leads its own process group. */
function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

const send = (msg) => {
  if (process.connected) process.send(msg);
};

function run({ id, cmd, args }) {
  let child;
  try {
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    send({ type: 'error', id, message: err.message });
    return;
  }
  jobs.set(id, child);
  let stderr = '';
  let ended = false;
  child.stdout.on('data', (data) => send({ type: 'stdout', id, data }));
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.on('error', (err) => {
    if (ended) return;
    ended = true;
    jobs.delete(id);
    send({ type: 'error', id, message: err.message });
  });
  child.on('close', (code, signal) => {
    if (ended) return;
    ended = true;
    jobs.delete(id);
    send({ type: 'close', id, code, signal, stderr });
  });
}

process.on('message', (msg) => {
  if (msg?.type === 'run') run(msg);
  else if (msg?.type === 'kill' && jobs.has(msg.id)) killGroup(jobs.get(msg.id));
});

// The agent is gone (stopped or killed): its jobs go with it, nothing is left running.
process.on('disconnect', () => {
  for (const child of jobs.values()) killGroup(child);
  process.exit(0);
});
