/**
 * A token bucket: `perSecond` tokens refill continuously up to `burst`. Each message takes one.
 * Lets a browser send a quick burst (reconnect, a few acks) while capping a flood's cost.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private perSecond: number,
    private burst: number,
    private now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
