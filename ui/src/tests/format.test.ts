// Human times (issue 15): every time people read is local, "30 Nov 2026, 2:05 pm" or "30 Nov 2026";
// never nanoseconds or "Z". The core sends RFC 3339 in UTC with nanoseconds.
import { afterEach, describe, expect, test } from 'vitest';
import { setClockZone } from '../lib/clockZone.svelte';
import { formatDate, formatDateTime, formatDayOf, formatTime, isPast, parseTime } from '../lib/format';
import { todayIso } from '../lib/validation';
import { clockTime } from '../features/notes/noteFacts';

/** The core's form of a local moment: UTC, "Z", nine digits of nanoseconds. */
function coreTime(local: Date, nanos = '123456789'): string {
  return local.toISOString().replace(/\.\d{3}Z$/, `.${nanos}Z`);
}

describe('times for people', () => {
  test('an afternoon time in the core form reads as local day, hour and minute', () => {
    const text = coreTime(new Date(2026, 10, 30, 14, 5, 7));
    expect(text).toMatch(/\.123456789Z$/);
    expect(formatDateTime(text)).toBe('30 Nov 2026, 2:05 pm');
    expect(formatDateTime(text, { seconds: true })).toBe('30 Nov 2026, 2:05:07 pm');
    expect(formatTime(text)).toBe('2:05 pm');
    expect(formatDayOf(text)).toBe('30 Nov 2026');
  });

  test('midnight and noon are 12 am and 12 pm; morning is am', () => {
    expect(formatDateTime(coreTime(new Date(2026, 0, 1, 0, 0)))).toBe('1 Jan 2026, 12:00 am');
    expect(formatDateTime(coreTime(new Date(2026, 0, 1, 12, 30)))).toBe('1 Jan 2026, 12:30 pm');
    expect(formatDateTime(coreTime(new Date(2026, 6, 4, 9, 9)))).toBe('4 Jul 2026, 9:09 am');
  });

  test('without fractions, with milliseconds, or with an offset, the same moment reads the same', () => {
    const local = new Date(2026, 10, 30, 14, 5);
    const expected = '30 Nov 2026, 2:05 pm';
    expect(formatDateTime(local.toISOString())).toBe(expected);
    expect(formatDateTime(local.toISOString().replace('.000Z', 'Z'))).toBe(expected);
    // The same instant written two hours ahead of UTC.
    const ahead = new Date(local.getTime() + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    expect(formatDateTime(ahead)).toBe(expected);
    expect(parseTime(coreTime(local, '999999999'))?.getTime()).toBe(local.getTime() + 999);
  });

  test('no nanoseconds, "Z" or "T" ever reach people', () => {
    for (let hour = 0; hour < 24; hour += 5) {
      const shown = formatDateTime(coreTime(new Date(2026, 2, 8, hour, 59, 59)));
      expect(shown).not.toMatch(/Z|T|\d{4}-\d{2}|\.\d/);
      expect(shown).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} (am|pm)$/);
    }
  });

  test('days: calendar days and the local day of a time; impossible days are left as they are', () => {
    expect(formatDate('1985-03-12')).toBe('12 Mar 1985');
    expect(formatDate('2026-11-30')).toBe('30 Nov 2026');
    expect(formatDate(coreTime(new Date(2026, 10, 30, 23, 59)))).toBe('30 Nov 2026');
    expect(formatDate('2023-02-30')).toBe('2023-02-30');
    expect(formatDate('')).toBe('');
    expect(formatDate(null)).toBe('');
  });

  test('text that is not a time is returned as it is, never as "Invalid Date"', () => {
    expect(formatDateTime('soon')).toBe('soon');
    expect(formatDateTime('2026-13-01T00:00:00Z')).toBe('2026-13-01T00:00:00Z');
    expect(formatDateTime(undefined)).toBe('');
    expect(parseTime('yesterday')).toBeNull();
  });

  test('isPast compares with now, and an unreadable time is never past', () => {
    const now = new Date(2026, 10, 30, 12, 0);
    expect(isPast(coreTime(new Date(2026, 10, 30, 11, 59)), now)).toBe(true);
    expect(isPast(coreTime(new Date(2026, 10, 30, 12, 1)), now)).toBe(false);
    expect(isPast('never', now)).toBe(false);
  });
});

// Issue 17: times follow the computer's zone as the app reports it, live (a new zone or a daylight-saving
// change, no restart); stored instants are never re-dated.
describe('times in the computer’s zone', () => {
  afterEach(() => setClockZone(null));

  test('a named zone shows its local time, whatever the test runner’s zone', () => {
    setClockZone({ name: 'America/Chicago', offsetMinutes: -360 });
    expect(formatDateTime('2026-11-30T20:05:59.123456789Z')).toBe('30 Nov 2026, 2:05 pm');
    expect(formatDateTime('2026-12-01T05:59:00Z')).toBe('30 Nov 2026, 11:59 pm');
    expect(formatDayOf('2026-12-01T05:59:00Z')).toBe('30 Nov 2026');
    expect(formatDate('1985-03-12')).toBe('12 Mar 1985');
    expect(todayIso(new Date('2026-12-01T05:59:00Z'))).toBe('2026-11-30');
    expect(clockTime(new Date('2026-11-30T20:05:00Z'))).toBe('2:05 pm');
  });

  test('a daylight-saving change is shown as the zone has it, and 1:30 am twice in autumn', () => {
    setClockZone({ name: 'America/Chicago', offsetMinutes: -360 });
    // Spring forward on 8 March 2026 at 08:00 UTC: one minute apart, an hour apart on the clock.
    expect(formatTime('2026-03-08T07:59:00Z')).toBe('1:59 am');
    expect(formatTime('2026-03-08T08:00:00Z')).toBe('3:00 am');
    expect(formatTime('2026-11-01T06:30:00Z')).toBe('1:30 am');
    expect(formatTime('2026-11-01T07:30:00Z')).toBe('1:30 am');
    setClockZone({ name: 'Europe/London', offsetMinutes: 0 });
    expect(formatDateTime('2026-07-01T12:00:00Z')).toBe('1 Jul 2026, 1:00 pm');
    expect(formatDateTime('2026-12-01T12:00:00Z')).toBe('1 Dec 2026, 12:00 pm');
  });

  test('a new zone re-reads the same stored instant, and nothing shows a fraction of a second', () => {
    const stored = '2026-11-30T20:05:07.999999999Z';
    setClockZone({ name: 'America/Chicago', offsetMinutes: -360 });
    expect(formatDateTime(stored, { seconds: true })).toBe('30 Nov 2026, 2:05:07 pm');
    setClockZone({ name: 'Asia/Tokyo', offsetMinutes: 540 });
    expect(formatDateTime(stored, { seconds: true })).toBe('1 Dec 2026, 5:05:07 am');
    expect(formatDateTime(stored)).not.toMatch(/\.\d|Z|T/);
    expect(parseTime(stored)?.toISOString()).toBe('2026-11-30T20:05:07.999Z');
  });

  test('a zone without a name uses its offset; a name the web view does not know too', () => {
    setClockZone({ name: null, offsetMinutes: 180 });
    expect(formatDateTime('2026-11-30T20:05:00Z')).toBe('30 Nov 2026, 11:05 pm');
    setClockZone({ name: 'Mars/Olympus_Mons', offsetMinutes: -90 });
    expect(formatDateTime('2026-11-30T20:05:00Z')).toBe('30 Nov 2026, 6:35 pm');
  });
});
