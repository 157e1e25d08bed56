// The busy flag and error message of one command a component runs, and the one
// way its failure becomes text: `problem` (the main screen's `MainContext`, or
// PLAIN_ERRORS before anyone is signed in) returns the message to show, or null
// when the failure was already handled by leaving the screen.
import { errorMessage } from './api';

export interface ProblemSource {
  problem(error: unknown): string | null;
}

/** For screens outside the main screen: every failure is shown as its message. */
export const PLAIN_ERRORS: ProblemSource = { problem: (error) => errorMessage(error) };

export class Task {
  busy = $state(false);
  /** What went wrong last time (or a validation message the caller set); null when nothing did. */
  error = $state<string | null>(null);
  readonly #source: ProblemSource;

  constructor(source: ProblemSource) {
    this.#source = source;
  }

  /**
   * Runs `work` with `busy` set. Success clears `error` and returns true; a failure
   * sets `error` from `problem` (unless that returns null) and returns false.
   * A caller that must not start twice checks `busy` first.
   */
  /** Shows a failure caught elsewhere (e.g. a promise's `.catch`) as `run` would. */
  fail = (error: unknown): void => {
    const message = this.#source.problem(error);
    if (message !== null) this.error = message;
  };

  async run(work: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await work();
      this.error = null;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
