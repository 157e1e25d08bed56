import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createActivityTracker, TOUCH_INTERVAL_MS, watchActivity } from '../lib/activity';

describe('activity tracker (touch throttling)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T09:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('interval is 15 seconds', () => {
    expect(TOUCH_INTERVAL_MS).toBe(15_000);
  });

  test('sends nothing until enabled (i.e. while locked)', () => {
    const send = vi.fn(() => Promise.resolve());
    const tracker = createActivityTracker({ send });
    expect(tracker.activity()).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  test('first activity is sent at once, then at most once every 15 s', () => {
    const send = vi.fn(() => Promise.resolve());
    const tracker = createActivityTracker({ send });
    tracker.setEnabled(true);

    expect(tracker.activity()).toBe(true);
    expect(send).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 14; i++) {
      vi.advanceTimersByTime(1_000);
      tracker.activity();
    }
    expect(send).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(999); // 14.999 s after the first send
    expect(tracker.activity()).toBe(false);
    vi.advanceTimersByTime(1); // exactly 15 s
    expect(tracker.activity()).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);

    // No trailing call: silence sends nothing.
    vi.advanceTimersByTime(60_000);
    expect(send).toHaveBeenCalledTimes(2);
    tracker.activity();
    expect(send).toHaveBeenCalledTimes(3);
  });

  test('disabling stops sending; re-enabling sends the next activity at once', () => {
    const send = vi.fn(() => Promise.resolve());
    const tracker = createActivityTracker({ send });
    tracker.setEnabled(true);
    tracker.activity();
    tracker.setEnabled(false);
    vi.advanceTimersByTime(20_000);
    expect(tracker.activity()).toBe(false);
    tracker.setEnabled(true);
    expect(tracker.activity()).toBe(true);
    expect(tracker.activity()).toBe(false);
    expect(send).toHaveBeenCalledTimes(2);
  });

  test('failures are passed to onError', async () => {
    const error = { code: 'locked', message: 'The vault is locked.' };
    const onError = vi.fn();
    const tracker = createActivityTracker({ send: () => Promise.reject(error), onError });
    tracker.setEnabled(true);
    tracker.activity();
    await vi.runAllTimersAsync();
    expect(onError).toHaveBeenCalledWith(error);
  });

  test('watchActivity listens to pointerdown and keydown and can stop', () => {
    const send = vi.fn(() => Promise.resolve());
    const tracker = createActivityTracker({ send, intervalMs: 0 });
    tracker.setEnabled(true);
    const target = new EventTarget();
    const stop = watchActivity(target, tracker);
    target.dispatchEvent(new Event('pointerdown'));
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('mousemove'));
    expect(send).toHaveBeenCalledTimes(2);
    stop();
    target.dispatchEvent(new Event('keydown'));
    expect(send).toHaveBeenCalledTimes(2);
  });
});
