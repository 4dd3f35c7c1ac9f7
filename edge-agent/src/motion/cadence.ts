/**
 * Something done at most every `everyMs` (a look at still faces, at judged faces), on frames that
 * are planned but may then be dropped: a look promised by a dropped frame is still owed.
 *
 * @example
 * const looks = new Cadence<Plan>(600);
 * if (looks.due(at)) looks.took(at, plan); // later, if that frame is dropped: looks.missed(plan)
 */
export class Cadence<P> {
  private lastAt = -Infinity;
  private previousAt = -Infinity;
  private plan: P | null = null;

  constructor(private readonly everyMs: number) {}

  due(at: number): boolean {
    return at - this.lastAt >= this.everyMs;
  }

  /** Done in the frame of `at`, by `plan`. */
  took(at: number, plan: P): void {
    this.previousAt = this.lastAt;
    this.lastAt = at;
    this.plan = plan;
  }

  /** The frame of `plan` was dropped: if it carried the look, the look is owed again. */
  missed(plan: P): void {
    if (plan === this.plan) this.lastAt = this.previousAt;
  }
}
