// Tells the back end the user is active (`touch`), at most once per interval,
// and only while the vault is unlocked. Leading-edge throttle: the first
// activity after a quiet period is reported at once; further activity within
// the interval is dropped (the back end's idle timer is measured in minutes,
// so losing up to one interval of activity is harmless).

export const TOUCH_INTERVAL_MS = 15_000;

export interface ActivityTrackerOptions {
  /** Sends the activity signal. */
  send: () => Promise<unknown>;
  /** Called when `send` fails. */
  onError?: (error: unknown) => void;
  intervalMs?: number;
  now?: () => number;
}

export interface ActivityTracker {
  /** Enables tracking while unlocked; disabling also resets the throttle. */
  setEnabled(enabled: boolean): void;
  /** Reports user activity. Returns true if a signal was sent. */
  activity(): boolean;
  readonly enabled: boolean;
}

export function createActivityTracker(options: ActivityTrackerOptions): ActivityTracker {
  const intervalMs = options.intervalMs ?? TOUCH_INTERVAL_MS;
  const now = options.now ?? (() => Date.now());
  let enabled = false;
  let lastSent: number | null = null;

  return {
    get enabled() {
      return enabled;
    },
    setEnabled(value: boolean) {
      enabled = value;
      if (!value) lastSent = null;
    },
    activity() {
      if (!enabled) return false;
      const t = now();
      if (lastSent !== null && t - lastSent < intervalMs) return false;
      lastSent = t;
      options.send().catch((error: unknown) => options.onError?.(error));
      return true;
    },
  };
}

/** Listens for pointer and keyboard activity on `target`; returns a function that stops listening. */
export function watchActivity(target: EventTarget, tracker: ActivityTracker): () => void {
  const handler = () => {
    tracker.activity();
  };
  const listenerOptions: AddEventListenerOptions = { capture: true, passive: true };
  target.addEventListener('pointerdown', handler, listenerOptions);
  target.addEventListener('keydown', handler, listenerOptions);
  return () => {
    target.removeEventListener('pointerdown', handler, listenerOptions);
    target.removeEventListener('keydown', handler, listenerOptions);
  };
}
