// Couples and families in words.
import { unitPolicyLabel } from './format';
import type { Unit } from './types';

/** "Strict confidentiality in force · No secrets waiting for signatures", "No agreement yet". */
export function policySummary(unit: Pick<Unit, 'policy' | 'pendingPolicy'>): string {
  const now = unit.policy === null ? unitPolicyLabel(null) : `${unitPolicyLabel(unit.policy)} in force`;
  return unit.pendingPolicy === null ? now : `${now} · ${unitPolicyLabel(unit.pendingPolicy)} waiting for signatures`;
}
