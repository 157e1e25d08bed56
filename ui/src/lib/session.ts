// What the signed-in part of the app shares with every panel: who is signed in,
// and one way to turn a failed command into text (or, for `locked` and
// `signed_out`, into leaving the main screen).
import { getContext, setContext } from 'svelte';
import type { SessionInfo } from './types';

export interface MainContext {
  readonly session: SessionInfo;
  /**
   * The message to show for a failed command, or null when the failure has
   * already been handled by leaving the main screen (vault locked or nobody
   * signed in any more). Callers show the message when it is not null.
   */
  problem(error: unknown): string | null;
  /** Remembers client names seen in lists, so other screens can show a name next to an id. */
  rememberClientName(id: string, name: string): void;
  clientName(id: string): string | null;
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
