// The computer's time zone, as the app reports it: once at start (`currentTimeZone`) and again whenever it
// changes (the `time-zone-changed` event: a new zone, or a daylight-saving change), with no restart. Every
// time and day people read is shown in it (format.ts), and "today" is its today. Until the first report the
// web view's own zone is used. Stored times are UTC instants: a zone change only changes how they read.
import type { ClockZone } from './types';

/** The zone times are shown in; `current` null: the web view's own. Reactive: times re-read on a change. */
export const clockZone = $state<{ current: ClockZone | null }>({ current: null });

export function setClockZone(zone: ClockZone | null): void {
  clockZone.current = zone;
}

/** A moment's calendar and clock fields in the shown zone (month 1–12, hour 0–23). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** An `Intl` formatter for the IANA zone `name`, or null when the web view does not know the zone. */
function formatterFor(name: string): Intl.DateTimeFormat | null {
  if (!formatters.has(name)) {
    try {
      formatters.set(
        name,
        new Intl.DateTimeFormat('en-US', {
          timeZone: name,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }),
      );
    } catch {
      formatters.set(name, null);
    }
  }
  return formatters.get(name) ?? null;
}

/** `date`'s fields in the computer's zone as last reported (else the web view's own). */
export function localParts(date: Date): LocalParts {
  const zone = clockZone.current;
  const formatter = zone?.name ? formatterFor(zone.name) : null;
  if (formatter !== null) {
    const parts: Record<string, number> = {};
    for (const part of formatter.formatToParts(date)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    return {
      year: parts.year,
      month: parts.month,
      day: parts.day,
      hour: parts.hour % 24,
      minute: parts.minute,
      second: parts.second,
    };
  }
  if (zone) {
    // A zone without a name (a POSIX rule): its offset now, which the app re-sends when it changes.
    const shifted = new Date(date.getTime() + zone.offsetMinutes * 60_000);
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      second: shifted.getUTCSeconds(),
    };
  }
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
  };
}
