/**
 * What bounds the number of cameras in an edge bench run (issue 15): the agent's own CPU, the
 * other processes of a shared box, or inference latency. The bench runs on a box shared with
 * other jobs, so "not sustained" alone does not say whether the agent or its neighbours ran out.
 */

/** The figures of one bench step this needs (a subset of the bench's Step). */
export interface StepCost {
  cameras: number;
  seconds: number;
  framesAnalysed: number;
  framesStatic: number;
  framesDropped: number;
  sustained: boolean;
  agentShareOfBox: number;
  cores: { agentTotal: number; agentOtherThreads: number; otherProcesses: number };
}

export interface Bound {
  /** `agent-cpu`: the agent itself passed the CPU limit; `shared-box`: others took the cores it needed. */
  kind: 'none' | 'agent-cpu' | 'shared-box' | 'latency';
  /** The first camera count not sustained, if any. */
  atCameras: number | null;
  why: string;
}

/**
 * Cores the agent would use at this step with no frame skipped: each skipped frame is priced as
 * an average frame that reached the detector (skips only ever hit those), paid by the workers.
 */
export function fullRateCores(s: StepCost): number {
  const searched = Math.max(1, s.framesAnalysed - s.framesStatic);
  const perSearched = (s.cores.agentOtherThreads * s.seconds) / searched;
  return s.cores.agentTotal + (s.framesDropped * perSearched) / s.seconds;
}

/**
 * Cameras the agent's own cost allows under `limit` of `cores`, from the step with the most
 * cameras (fixed costs spread widest): an estimate, beside the measured count, for a box that
 * is the agent's alone.
 */
export function camerasByAgentCpu(steps: StepCost[], cores: number, limit: number): number | null {
  const widest = [...steps].sort((a, b) => b.cameras - a.cameras)[0];
  if (!widest) return null;
  return Math.floor((limit * cores) / (fullRateCores(widest) / widest.cameras));
}

/** Why the first step not sustained was not (steps in the order run). */
export function cameraBound(steps: StepCost[], cores: number, limit: number): Bound {
  const failed = steps.find((s) => !s.sustained && !steps.some((o) => o.cameras === s.cameras && o.sustained));
  if (!failed) return { kind: 'none', atCameras: null, why: 'every camera count tried was sustained' };
  const at = failed.cameras;
  if (failed.agentShareOfBox > limit)
    return { kind: 'agent-cpu', atCameras: at, why: `the agent used ${pct(failed.agentShareOfBox)} of the box` };
  // The agent needs at most `limit` of the box: if others used more than the rest, it was short.
  const spare = cores * (1 - failed.agentShareOfBox);
  if (failed.cores.otherProcesses > cores * (1 - limit))
    return {
      kind: 'shared-box',
      atCameras: at,
      why:
        `the agent used ${pct(failed.agentShareOfBox)} of the box, other processes ` +
        `${failed.cores.otherProcesses.toFixed(2)} of the ${spare.toFixed(2)} cores left: frames waited for a core ` +
        'longer than two frame intervals and were skipped',
    };
  return {
    kind: 'latency',
    atCameras: at,
    why: `frames were skipped with the agent at ${pct(failed.agentShareOfBox)} of a box otherwise idle`,
  };
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
