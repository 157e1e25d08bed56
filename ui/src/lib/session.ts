// What the signed-in part of the app shares with every panel: who is signed in,
// and one way to turn a failed command into text (or, for `locked` and
// `signed_out`, into leaving the main screen).
import { getContext, setContext } from 'svelte';
import type { KioskPacket, SessionInfo } from './types';

export interface MainContext {
  readonly session: SessionInfo;
  /**
   * The message to show for a failed command, or null when the failure has
   * already been handled by leaving the main screen (vault locked, nobody
   * signed in any more, or a signing kiosk running). Callers show the message
   * when it is not null.
   */
  problem(error: unknown): string | null;
  /** Remembers client names seen in lists, so a record opened by its number can show the name while it loads. */
  rememberClientName(id: string, name: string): void;
  clientName(id: string): string | null;
  /** Goes to the clients section with this client's record open (optionally on a tab). */
  openClient(id: string, name: string | null, tab?: ClientTab): void;
  /** Goes to the couples and families section with this unit open. */
  openUnit(id: string, name: string | null): void;
  /** start_kiosk answered: the staff session has ended and the kiosk screen takes over. */
  kioskStarted(packet: KioskPacket): void;
  /**
   * A client's record is shown on this tab (null, null: no record is shown any more). The main screen keeps
   * it, in memory only, to return there after an unlock, a switch of user or a signing kiosk.
   */
  showingClient(clientId: string | null, tab: ClientTab | null): void;
  /** This client's record could not be opened (refused or gone): when it was a return, the list is shown. */
  clientRefused(clientId: string): void;
}

/** The tabs of the client view. */
export type ClientTab = 'details' | 'intake' | 'notes' | 'care-team' | 'guardians' | 'consent' | 'export';

/** A client to open when the clients section appears. */
export interface ClientTarget {
  id: string;
  name: string | null;
  tab: ClientTab | null;
}

/** A couple or family to open when the families section appears. */
export interface UnitTarget {
  id: string;
  name: string | null;
}

const KEY = Symbol('saferoom-main-context');

export function setMainContext(context: MainContext): void {
  setContext(KEY, context);
}

export function mainContext(): MainContext {
  const context = getContext<MainContext | undefined>(KEY);
  if (!context) throw new Error('Saferoom: main context missing (component used outside MainScreen)');
  return context;
}
