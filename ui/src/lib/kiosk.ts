// Where staff go back to when the signing kiosk ends: the client whose record keeps the packet's
// documents, at the tab where they are handed over (a couple's or family's agreement: that client's
// guardians tab, which lists their couples and families; `unitId` names the unit for a caller that
// opens it instead).
import type { ClientTab } from './session';
import type { KioskPacket } from './types';

/** The place the kiosk-end handler is given. */
export interface KioskReturn {
  clientId: string;
  tab: ClientTab;
  /** The couple or family whose agreement was signed, if it was one. */
  unitId: string | null;
}

export function kioskReturn(packet: KioskPacket | null): KioskReturn | null {
  if (packet === null || packet.clientId === '') return null;
  return packet.unitId === null
    ? { clientId: packet.clientId, tab: 'consent', unitId: null }
    : { clientId: packet.clientId, tab: 'guardians', unitId: packet.unitId };
}
