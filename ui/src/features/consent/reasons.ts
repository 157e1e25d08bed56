// Why a client's consent is not in force, in plain words for the re-consent list (the core's `ReasonCode`).
import type { ReasonCode } from '../../lib/types';

const REASON_WORDS: Record<ReasonCode, string> = {
  missing: 'never signed: no consent has been prepared yet',
  unsigned: 'prepared but not signed yet',
  expired: 'expired: it must be signed again',
  revoked: 'revoked: a new consent must be signed',
  template_updated: 'signed on an older version of the text: the new version must be signed',
  platform_changed: 'signed for another telehealth platform than the one the practice now uses',
};

/** "prepared but not signed yet". */
export function reasonWords(code: ReasonCode): string {
  return REASON_WORDS[code] ?? 'needs signing again';
}
