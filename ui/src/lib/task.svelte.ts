// The busy flag and error message of one command a component runs, and the one
// way its failure becomes text: `problem` (the main screen's `MainContext`, or
// PLAIN_ERRORS before anyone is signed in) returns the message to show, or null
// when the failure was already handled by leaving the screen.
import { errorMessage, toApiError } from './api';

export interface ProblemSource {
  problem(error: unknown): string | null;
}

/** For screens outside the main screen: every failure is shown as its message. */
export const PLAIN_ERRORS: ProblemSource = { problem: (error) => errorMessage(error) };

export class Task {
  busy = $state(false);
  #error = $state<string | null>(null);
  /**
   * The core's id of the input at fault when the failure was a refused input (`ErrorNotice` marks
   * and focuses the input with that `data-field`); null otherwise. Setting `error` clears it.
   */
  field = $state<string | null>(null);

  /** What went wrong last time (or a validation message the caller set); null when nothing did. */
  get error(): string | null {
    return this.#error;
  }

  set error(message: string | null) {
    this.#error = message;
    this.field = null;
  }
  readonly #source: ProblemSource;
  /** Counts `runLatest` calls, so only the newest one's outcome is kept. */
  #latest = 0;

  constructor(source: ProblemSource) {
    this.#source = source;
  }

  /** Shows a failure caught elsewhere (e.g. a promise's `.catch`) as `run` would. */
  fail = (error: unknown): void => {
    const message = this.#source.problem(error);
    if (message !== null) {
      // Through null, so the same refusal twice still counts as new (ErrorNotice marks the field again).
      this.#error = null;
      this.error = message;
      this.field = toApiError(error).field;
    }
  };

  /** Shows a message the caller found itself (a quick check before a command), pointing at `field`. */
  invalid(message: string, field: string | null = null): void {
    this.error = message;
    this.field = field;
  }

  /**
   * Runs `work` with `busy` set. Success clears `error` and returns true; a failure
   * sets `error` from `problem` (unless that returns null) and returns false.
   * A caller that must not start twice checks `busy` first. With `onCancelled`, a `cancelled`
   * failure (someone stopped long work) calls it instead of showing an error.
   */
  async run(work: () => Promise<void>, onCancelled?: () => void): Promise<boolean> {
    this.busy = true;
    try {
      await work();
      this.error = null;
      return true;
    } catch (e) {
      if (onCancelled !== undefined && toApiError(e).code === 'cancelled') onCancelled();
      else this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Like `run`, for a request a newer one may overtake (a search while typing, a filter
   * changed): only the newest call's outcome touches `busy` and `error`. `work` gets
   * `current()` to check after each await before using what it got.
   */
  async runLatest(work: (current: () => boolean) => Promise<void>): Promise<void> {
    const token = ++this.#latest;
    const current = () => token === this.#latest;
    this.busy = true;
    try {
      await work(current);
      if (current()) this.error = null;
    } catch (e) {
      if (current()) this.fail(e);
    } finally {
      if (current()) this.busy = false;
    }
  }

  /** Ignores the outcome of any `runLatest` still under way (the component is going away). */
  forget(): void {
    this.#latest++;
  }
}

/** A busy flag and an error per row of a list (keyed by the row's id), each run like `Task.run`. */
export class RowTasks {
  busy = $state<Record<string, boolean>>({});
  error = $state<Record<string, string | null>>({});
  /** The core's field id of each row's refused input, as `Task.field`. */
  field = $state<Record<string, string | null>>({});
  readonly #source: ProblemSource;

  constructor(source: ProblemSource) {
    this.#source = source;
  }

  async run(id: string, work: () => Promise<void>): Promise<boolean> {
    this.busy[id] = true;
    try {
      await work();
      this.error[id] = null;
      this.field[id] = null;
      return true;
    } catch (e) {
      const message = this.#source.problem(e);
      if (message !== null) {
        this.error[id] = message;
        this.field[id] = toApiError(e).field;
      }
      return false;
    } finally {
      this.busy[id] = false;
    }
  }
}
