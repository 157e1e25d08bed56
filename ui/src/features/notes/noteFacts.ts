// The session facts of a note as people read them, and the limits the core checks (notes::content).
import type { Attendance, ServiceCode, SessionFacts, SessionSetting } from '../../lib/types';
import { localParts } from '../../lib/clockZone.svelte';

/** How long after the last change a draft is saved by itself. */
export const AUTOSAVE_DELAY_MS = 3000;
/** The core's `MAX_DURATION_MINUTES`. */
export const MAX_DURATION_MINUTES = 600;
/** The core's `MAX_FACT_CHARS` (an "other" service, attendance details). */
export const MAX_FACT_CHARS = 200;
/** The core's `OTHER_SERVICE`: a service outside the list, described in words. */
export const OTHER_SERVICE = 'other';

export const SETTING_CHOICES: { value: SessionSetting; label: string }[] = [
  { value: 'in_person', label: 'In person' },
  { value: 'telehealth', label: 'Telehealth' },
];

export const ATTENDANCE_CHOICES: { value: Attendance; label: string }[] = [
  { value: 'client_alone', label: 'Client alone' },
  { value: 'with_partner', label: 'Client with partner' },
  { value: 'with_family', label: 'Client with family' },
  { value: 'with_guardian', label: 'Client with guardian' },
];

/** A time of day as people say it, in the computer's zone: "2:05 pm". */
export function clockTime(date: Date): string {
  const parts = localParts(date);
  return hoursMinutes(parts.hour, parts.minute);
}

function hoursMinutes(hours: number, minutes: number): string {
  const hour = hours % 12 === 0 ? 12 : hours % 12;
  return `${hour}:${String(minutes).padStart(2, '0')} ${hours < 12 ? 'am' : 'pm'}`;
}

/** A stored start time ("14:30") as people say it ("2:30 pm"). */
export function startTimeText(hhmm: string): string {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  return match === null ? hhmm : hoursMinutes(Number(match[1]), Number(match[2]));
}

/** The service as people read it: "90834 Psychotherapy, 45 minutes", or the other service's words. */
export function serviceText(facts: SessionFacts, codes: ServiceCode[]): string | null {
  if (facts.serviceCode === null) return null;
  if (facts.serviceCode === OTHER_SERVICE) return facts.serviceOther;
  const known = codes.find((c) => c.code === facts.serviceCode);
  return known === undefined ? facts.serviceCode : `${known.code} ${known.name}`;
}

/** The facts that were given, each as a label and its words, in the order the note shows them. */
export function factLines(facts: SessionFacts, codes: ServiceCode[]): { label: string; text: string }[] {
  const lines: { label: string; text: string }[] = [];
  if (facts.startTime !== null || facts.durationMinutes !== null) {
    const parts = [
      facts.startTime === null ? null : `from ${startTimeText(facts.startTime)}`,
      facts.durationMinutes === null ? null : `${facts.durationMinutes} minutes`,
    ].filter((part) => part !== null);
    const text = parts.join(', ');
    lines.push({ label: 'Time', text: text.charAt(0).toUpperCase() + text.slice(1) });
  }
  const service = serviceText(facts, codes);
  if (service !== null) lines.push({ label: 'Service', text: service });
  const setting = SETTING_CHOICES.find((c) => c.value === facts.setting);
  if (setting !== undefined) lines.push({ label: 'Setting', text: setting.label });
  const attendance = ATTENDANCE_CHOICES.find((c) => c.value === facts.attendance);
  if (attendance !== undefined) {
    const detail = facts.attendanceDetail.trim();
    lines.push({ label: 'Attended', text: detail === '' ? attendance.label : `${attendance.label} (${detail})` });
  } else if (facts.attendanceDetail.trim() !== '') {
    lines.push({ label: 'Attended', text: facts.attendanceDetail.trim() });
  }
  return lines;
}
