// Where someone is in the signed-in app (section, client, tab), remembered in memory only so that after an
// unlock, a switch of user or the end of a signing kiosk people return there when their role allows it.
// Nothing here is ever written to disk.
import type { ClientTab } from './session';
import type { Role } from './types';

export type Section =
  | 'clients'
  | 'requests'
  | 'consent'
  | 'families'
  | 'rules'
  | 'staff'
  | 'audit'
  | 'break-glass'
  | 'data'
  | 'settings';

export interface NavItem {
  id: Section;
  label: string;
}

/** The sections every role has, shown as buttons in one row. */
export const RECORD_SECTIONS: readonly NavItem[] = [
  { id: 'clients', label: 'Clients' },
  { id: 'requests', label: 'Requests' },
  { id: 'consent', label: 'Consent' },
  { id: 'families', label: 'Couples & families' },
  { id: 'rules', label: 'Minors & rules' },
];

/** The owner's practice sections, in the "Practice" menu (Settings last). */
export const PRACTICE_SECTIONS: readonly NavItem[] = [
  { id: 'staff', label: 'Staff' },
  { id: 'audit', label: 'Audit trail' },
  { id: 'break-glass', label: 'Emergency access' },
  { id: 'data', label: 'Practice data' },
  { id: 'settings', label: 'Settings' },
];

const OWNER_ONLY: ReadonlySet<Section> = new Set(['staff', 'audit', 'break-glass', 'data']);

/** Whether someone with this role has the section in their navigation. */
export function sectionAllowed(role: Role, section: Section): boolean {
  return role === 'owner' || !OWNER_ONLY.has(section);
}

/** A client's record and the tab shown, as the kiosk's end hands it back. */
export interface ClientPlace {
  clientId: string;
  tab: ClientTab | null;
}

/** Where someone was: a section, and in the clients section the client and tab open (if any). */
export interface Place {
  section: Section;
  client: ClientPlace | null;
}

/** The client list: where people land when there is nowhere (allowed) to return to. */
export const HOME_PLACE: Place = { section: 'clients', client: null };
