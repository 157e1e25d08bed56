// Wording shared between screens.
import { withoutFinalPeriod } from './validation';

function noKeychainPrefix(detail: string | null): string {
  const clean = detail === null ? '' : withoutFinalPeriod(detail);
  return clean === ''
    ? 'No system keychain (Secret Service) is available.'
    : `No system keychain (Secret Service) is available: ${clean}.`;
}

/** Shown on the create screen when there is no usable keychain. */
export function noKeychainForCreate(detail: string | null): string {
  return `${noKeychainPrefix(detail)} Staff will open the vault by signing in with their passwords; the recovery code is the fallback.`;
}

export const IDLE_LOCK_NOTICE = 'Locked after a period of inactivity';

export const KEYCHAIN_RESTORED_NOTICE =
  'The vault key was missing from the system keychain and has been stored there again, so this computer can unlock the vault by itself next time.';
