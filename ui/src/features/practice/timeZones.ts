// Time zones as people pick them: the common United States zones first by their everyday names, then
// every zone by region and city ("Chicago" under "America"), never a raw "America/Chicago" label.

export interface TimeZoneChoice {
  /** The IANA name the core stores. */
  name: string;
  /** What people read. */
  label: string;
}

export interface TimeZoneGroup {
  label: string;
  zones: TimeZoneChoice[];
}

/** The zones most US practices use, by the names people say. */
const UNITED_STATES: TimeZoneChoice[] = [
  { name: 'America/New_York', label: 'Eastern time (New York)' },
  { name: 'America/Chicago', label: 'Central time (Chicago)' },
  { name: 'America/Denver', label: 'Mountain time (Denver)' },
  { name: 'America/Phoenix', label: 'Arizona (Phoenix, no daylight saving)' },
  { name: 'America/Los_Angeles', label: 'Pacific time (Los Angeles)' },
  { name: 'America/Anchorage', label: 'Alaska time (Anchorage)' },
  { name: 'Pacific/Honolulu', label: 'Hawaii time (Honolulu)' },
];

/** "America/Argentina/Buenos_Aires" → "Argentina, Buenos Aires". */
export function placeName(name: string): string {
  const parts = name.split('/');
  const place = parts.length > 1 ? parts.slice(1) : parts;
  return place.map((part) => part.replaceAll('_', ' ')).reverse().join(', ');
}

/** The groups to show in a time zone picker, from the names the core accepts. */
export function timeZoneChoices(names: readonly string[]): TimeZoneGroup[] {
  const known = new Set(names);
  const groups: TimeZoneGroup[] = [
    { label: 'United States', zones: UNITED_STATES.filter((zone) => known.has(zone.name)) },
  ];
  const byRegion = new Map<string, TimeZoneChoice[]>();
  for (const name of names) {
    if (name === 'UTC') continue;
    const region = name.split('/')[0];
    const zones = byRegion.get(region) ?? [];
    zones.push({ name, label: placeName(name) });
    byRegion.set(region, zones);
  }
  for (const [region, zones] of [...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    zones.sort((a, b) => a.label.localeCompare(b.label));
    groups.push({ label: region, zones });
  }
  if (known.has('UTC')) groups.push({ label: 'Other', zones: [{ name: 'UTC', label: 'Universal time (UTC)' }] });
  return groups.filter((group) => group.zones.length > 0);
}
