// Reading jurisdiction rules: a field's value, citation and override, in words.
import { plural, ruleFieldLabel, yesNo } from './format';
import type { JurisdictionRule, RuleField, RuleOverride } from './types';

/** The boolean field (a yes/no choice; every other field is a number of years, sessions or days). */
export const BOOLEAN_RULE_FIELD: RuleField = 'guardian_access_without_authorization';

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The rule's value of a field, as the back end sends it. */
export function ruleValue(rule: JurisdictionRule, field: RuleField): number | boolean | null {
  switch (field) {
    case 'min_consent_age':
      return rule.minConsentAge;
    case 'session_cap':
      return rule.sessionCap;
    case 'session_cap_days':
      return rule.sessionCapDays;
    case 'guardian_access_without_authorization':
      return rule.guardianAccessWithoutAuthorization;
    case 'majority_age':
      return rule.majorityAge;
    case 'retention_years_after_end':
      return rule.retentionYearsAfterEnd;
    case 'retention_years_after_majority':
      return rule.retentionYearsAfterMajority;
  }
}

/** A rule's field in words, as the table shows it (a cap's period reads "—" when there is no cap). */
export function ruleCellText(rule: JurisdictionRule, field: RuleField): string {
  if (field === 'session_cap_days' && rule.sessionCap === null && rule.sessionCapDays === null) return '—';
  return ruleValueText(field, ruleValue(rule, field));
}

/** A field's value in words ("From 14", "No cap", "Yes"). */
export function ruleValueText(field: RuleField, value: number | boolean | null): string {
  if (typeof value === 'boolean') return yesNo(value);
  switch (field) {
    case 'min_consent_age':
      return value === null ? 'Never (a guardian consents)' : `From ${value}`;
    case 'session_cap':
      return value === null ? 'No cap' : plural(value, 'session');
    case 'session_cap_days':
      return value === null ? 'No period' : plural(value, 'day');
    case 'majority_age':
      return value === null ? '—' : `${value}`;
    case 'retention_years_after_end':
    case 'retention_years_after_majority':
      return value === null ? 'Not set' : plural(value, 'year');
    default:
      return value === null ? '—' : String(value);
  }
}

/** Where a field's citation may be found besides its own name: the session cap's period and both retention fields share one. */
const SHARED_CITATION: Partial<Record<RuleField, string>> = {
  session_cap_days: 'session_cap',
  retention_years_after_end: 'retention',
  retention_years_after_majority: 'retention',
};

function citationKeys(field: RuleField): string[] {
  const shared = SHARED_CITATION[field];
  return shared === undefined ? [field, camel(field)] : [field, camel(field), shared];
}

/** The citation of a field (keyed by the field's name, snake_case or camelCase, or the key it shares), or null. */
export function ruleCitation(rule: JurisdictionRule, field: RuleField): string | null {
  for (const key of citationKeys(field)) {
    const citation = rule.citations[key];
    if (citation !== undefined) return citation;
  }
  return null;
}

/** Citations that name no field of the table (shown with the jurisdiction). */
export function otherCitations(rule: JurisdictionRule, fields: readonly RuleField[]): Array<[string, string]> {
  const known = new Set(fields.flatMap(citationKeys));
  return Object.entries(rule.citations).filter(([key]) => !known.has(key));
}

export function ruleOverride(rule: JurisdictionRule, field: RuleField): RuleOverride | null {
  return rule.overrides.find((o) => o.field === field) ?? null;
}

/** "Age of majority: 21" for an override's list entry. */
export function overrideText(o: RuleOverride): string {
  return `${ruleFieldLabel(o.field)}: ${ruleValueText(o.field, o.value)}`;
}
