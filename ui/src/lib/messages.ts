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

/** The intent statement a signer ticks before an electronic signature counts. */
export const SIGNATURE_INTENT = 'I intend to sign this document electronically';

export const KIOSK_DONE = 'All done — please hand the tablet back';

/** Shown wherever templates are edited. */
export const TEMPLATE_VERSIONING_NOTICE =
  'Saving creates a new version of the template; documents prepared from it from now on use the new text. Documents already signed keep the exact text they were signed with, and clients who signed an older version are listed for re-consent.';

export const PLATFORM_CHANGE_NOTICE =
  'Changing the telehealth platform puts every client whose technology consent names the old platform into re-consent: they need to sign a new technology consent before their next telehealth session.';
