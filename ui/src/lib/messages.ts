// Wording shared between screens.
import type { AutoLockReason, UnitPolicy } from './types';
import { withoutFinalPeriod } from './validation';

function noKeychainPrefix(detail: string | null): string {
  const clean = detail === null ? '' : withoutFinalPeriod(detail);
  return clean === ''
    ? 'No system keychain (Secret Service) is available.'
    : `No system keychain (Secret Service) is available: ${clean}.`;
}

/** Shown on the create screen when there is no usable keychain. */
export function noKeychainForCreate(detail: string | null, notAnswering = false): string {
  const first = notAnswering ? keychainNotAnsweringPrefix(detail) : noKeychainPrefix(detail);
  return `${first} Staff will open the vault by signing in with their passwords; the recovery code is the fallback.`;
}

/** The core's words for a keychain that did not answer in time (they say how long Saferoom waited). */
function keychainNotAnsweringPrefix(detail: string | null): string {
  const clean = detail === null ? '' : withoutFinalPeriod(detail);
  return clean === '' ? 'The system keychain did not answer, so Saferoom stopped waiting for it.' : `${clean}.`;
}

/** Shown on the sign-in screen when the keychain did not answer in time: the other ways in. */
export function keychainNotAnsweringNote(detail: string | null): string {
  return `${keychainNotAnsweringPrefix(detail)} Sign in with your password, or use the recovery code.`;
}

/**
 * Shown when the vault was refused as an older copy than this computer last saw (`vault_rolled_back`): the
 * core's sentence says which copy, how far back and what to do; no other way in would open it.
 */
export function rolledBackNote(message: string): string {
  return `The vault was not opened. ${withoutFinalPeriod(message)}.`;
}

export const IDLE_LOCK_NOTICE = 'Locked after a period of inactivity';

/** What the sign-in screen says when the app locked by itself: why, in words. */
export const LOCK_NOTICES: Record<AutoLockReason, string> = {
  idle: IDLE_LOCK_NOTICE,
  system_locked: 'Locked because the computer was locked',
  suspend: 'Locked because the computer went to sleep',
};

export const KEYCHAIN_RESTORED_NOTICE =
  'The vault key was missing from the system keychain and has been stored there again, so this computer can unlock the vault by itself next time.';

/** The intent statement a signer ticks before an electronic signature counts. */
export const SIGNATURE_INTENT = 'I intend to sign this document electronically';

export const KIOSK_DONE = 'All done — please hand the screen back to staff';

/** Shown wherever templates are edited. */
export const TEMPLATE_VERSIONING_NOTICE =
  'Saving creates a new version of the template; documents prepared from it from now on use the new text. Documents already signed keep the exact text they were signed with, and clients who signed an older version are listed for re-consent.';

export const PLATFORM_CHANGE_NOTICE =
  'Changing the telehealth platform puts every client whose technology consent names the old platform into re-consent: they need to sign a new technology consent before their next telehealth session.';

/** What each couple or family confidentiality policy means, in a sentence (the policy chooser). */
export const UNIT_POLICY_EXPLANATIONS: Record<UnitPolicy, string> = {
  no_secrets: 'Anything a member tells the therapist on their own may be shared with the other members in joint sessions.',
  limited_secrets:
    'The therapist may keep what a member shares on their own private, but will not keep a secret that puts someone at risk or undermines the joint work.',
  strict:
    'What each member shares on their own stays private to that member and is not brought into joint sessions without their permission.',
};

export const UNIT_AGREEMENT_NOTICE =
  'Changing the policy prepares a new agreement that every adult member signs. Until all of them have signed, the policy in force stays as it is.';

export const RETENTION_NOTHING_DELETED =
  'This report only lists records whose retention period has ended. Nothing is deleted: Saferoom never deletes a client’s record by itself, and the records stay in the vault until the practice decides what to do with them.';

export const RULE_OVERRIDE_NOTICE =
  'An override replaces the shipped rule for every client in that jurisdiction and is recorded in the audit trail with your reason. Leave the value empty to remove the override and return to the shipped rule.';
