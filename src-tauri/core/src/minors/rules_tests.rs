use time::macros::date;
use time::Date;

use super::*;

/// One row: born, jurisdiction, assessed on, sessions held (days before `on`), a guardian consented, guardians
/// on file → expected rules, adult, who consents, guardians may see, flags, sessions left.
struct Case {
    born: Date,
    jurisdiction: &'static str,
    on: Date,
    sessions_days_ago: &'static [i64],
    guardian_consented: bool,
    has_guardians: bool,
    rules_for: &'static str,
    adult: bool,
    who: &'static [Consenter],
    guardians_may_see: bool,
    flags: &'static [Flag],
    remaining: Option<u32>,
}

const C: Consenter = Consenter::Client;
const G: Consenter = Consenter::Guardian;

fn case(born: Date, jurisdiction: &'static str, on: Date) -> Case {
    Case {
        born,
        jurisdiction,
        on,
        sessions_days_ago: &[],
        guardian_consented: false,
        has_guardians: true,
        rules_for: "",
        adult: false,
        who: &[C],
        guardians_may_see: false,
        flags: &[],
        remaining: None,
    }
}

#[test]
fn who_consents_and_who_may_see_by_birth_jurisdiction_and_day() {
    let on = date!(2026 - 06 - 01);
    let cases = [
        // California: 12 and mature may consent; parents see nothing without the minor's authorisation.
        Case { rules_for: "California", ..case(date!(2013 - 05 - 01), "US-CA", on) },
        Case {
            rules_for: "California",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2014 - 06 - 02), "US-CA", on)
        },
        // Washington: 13.
        Case { rules_for: "Washington", ..case(date!(2013 - 06 - 01), "US-WA", on) },
        Case {
            rules_for: "Washington",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2013 - 06 - 02), "US-WA", on)
        },
        // Colorado: 15 before the 2019 amendment, 12 from 2 August 2019.
        Case {
            rules_for: "Colorado (before 2019 amendment)",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2005 - 01 - 01), "US-CO", date!(2019 - 08 - 01))
        },
        Case { rules_for: "Colorado", ..case(date!(2005 - 01 - 01), "US-CO", date!(2019 - 08 - 02)) },
        // Illinois: 12, but under 17 at most 8 sessions before a parent's consent.
        Case {
            rules_for: "Illinois",
            sessions_days_ago: &[70, 60, 50, 40, 30, 20, 10],
            remaining: Some(1),
            ..case(date!(2012 - 01 - 01), "US-IL", on)
        },
        Case {
            rules_for: "Illinois",
            sessions_days_ago: &[80, 70, 60, 50, 40, 30, 20, 10],
            who: &[C, G],
            flags: &[Flag::SessionCapReached, Flag::GuardianConsentNeeded],
            remaining: Some(0),
            ..case(date!(2012 - 01 - 01), "US-IL", on)
        },
        Case {
            rules_for: "Illinois",
            sessions_days_ago: &[80, 70, 60, 50, 40, 30, 20, 10],
            guardian_consented: true,
            ..case(date!(2012 - 01 - 01), "US-IL", on)
        },
        Case {
            rules_for: "Illinois",
            sessions_days_ago: &[80, 70, 60, 50, 40, 30, 20, 10],
            ..case(date!(2009 - 01 - 01), "US-IL", on)
        },
        // Before P.A. 100-0196 the app has no Illinois rule: the conservative default.
        Case {
            rules_for: "Default (conservative)",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2002 - 01 - 01), "US-IL", date!(2017 - 12 - 31))
        },
        // Ohio: 14; 6 sessions or 30 days, whichever first.
        Case {
            rules_for: "Ohio",
            sessions_days_ago: &[20, 10, 1],
            remaining: Some(3),
            ..case(date!(2011 - 01 - 01), "US-OH", on)
        },
        Case {
            rules_for: "Ohio",
            sessions_days_ago: &[31, 10, 1],
            who: &[C, G],
            flags: &[Flag::SessionCapReached, Flag::GuardianConsentNeeded],
            remaining: Some(0),
            ..case(date!(2011 - 01 - 01), "US-OH", on)
        },
        // Pennsylvania: 14.
        Case { rules_for: "Pennsylvania", ..case(date!(2012 - 06 - 01), "US-PA", on) },
        Case {
            rules_for: "Pennsylvania",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2012 - 06 - 02), "US-PA", on)
        },
        // New York and Texas: no general right for minors.
        Case {
            rules_for: "New York",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2009 - 01 - 01), "US-NY", on)
        },
        Case {
            rules_for: "Texas",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2008 - 06 - 02), "US-TX", on)
        },
        // Elsewhere: the conservative default.
        Case {
            rules_for: "Default (conservative)",
            who: &[G],
            guardians_may_see: true,
            flags: &[Flag::GuardianConsentNeeded],
            ..case(date!(2010 - 01 - 01), "CA-ON", on)
        },
        // Majority: the day before and the day of the 18th birthday.
        Case { rules_for: "California", ..case(date!(2008 - 06 - 02), "US-CA", on) },
        Case {
            rules_for: "California",
            adult: true,
            flags: &[Flag::ReachedMajority],
            ..case(date!(2008 - 06 - 01), "US-CA", on)
        },
        Case {
            rules_for: "Texas",
            adult: true,
            flags: &[Flag::ReachedMajority],
            ..case(date!(2008 - 06 - 01), "US-TX", on)
        },
        Case { rules_for: "California", adult: true, has_guardians: false, ..case(date!(1980 - 01 - 01), "US-CA", on) },
    ];
    for (row, case) in cases.iter().enumerate() {
        let rule = rule_for(case.jurisdiction, case.on).unwrap();
        let facts = Facts {
            birth: case.born,
            day: case.on,
            sessions: case.sessions_days_ago.iter().map(|days| case.on - time::Duration::days(*days)).collect(),
            guardian_consented: case.guardian_consented,
            has_guardians: case.has_guardians,
        };
        let assessment = assess(&rule, Overridden::default(), &facts);
        let what = format!("row {row}: {} born {} on {}", case.jurisdiction, case.born, case.on);
        assert_eq!(assessment.rules_for, case.rules_for, "{what}");
        assert_eq!(assessment.adult, case.adult, "{what}");
        assert_eq!(assessment.who_must_consent, case.who, "{what}");
        assert_eq!(assessment.guardians_may_see_records, case.guardians_may_see, "{what}");
        assert_eq!(assessment.flags, case.flags, "{what}");
        assert_eq!(assessment.session_cap.map(|cap| cap.remaining), case.remaining, "{what}");
        assert!(
            assessment
                .explanations
                .iter()
                .all(|explanation| !explanation.citation.is_empty() && !explanation.text.is_empty()),
            "{what}: every conclusion names its rule"
        );
    }
}

#[test]
fn ages_and_birthdays_count_whole_years_and_leap_days() {
    assert_eq!(age_on(date!(2008 - 06 - 01), date!(2026 - 05 - 31)), 17);
    assert_eq!(age_on(date!(2008 - 06 - 01), date!(2026 - 06 - 01)), 18);
    assert_eq!(age_on(date!(2030 - 01 - 01), date!(2026 - 06 - 01)), 0);
    assert_eq!(birthday(date!(2008 - 02 - 29), 18), date!(2026 - 03 - 01));
    assert_eq!(birthday(date!(2008 - 02 - 29), 16), date!(2024 - 02 - 29));
    let rule = rule_for("US-CA", date!(2026 - 01 - 01)).unwrap();
    let facts = Facts {
        birth: date!(2008 - 02 - 29),
        day: date!(2026 - 02 - 28),
        sessions: Vec::new(),
        guardian_consented: false,
        has_guardians: true,
    };
    let assessment = assess(&rule, Overridden::default(), &facts);
    assert!(!assessment.adult);
    assert_eq!(assessment.majority_on, date!(2026 - 03 - 01));
}

#[test]
fn retention_is_the_later_of_end_and_majority_for_minors() {
    let ca = rule_for("US-CA", date!(2026 - 01 - 01)).unwrap();
    // An adult client: 7 years after the end.
    let (until, why) = retain_until(&ca, date!(1980 - 01 - 01), date!(2019 - 01 - 01), date!(2021 - 03 - 01));
    assert_eq!(until, date!(2028 - 03 - 01));
    assert!(why.contains("4980.49"), "{why}");
    // A minor during treatment: 7 years after turning 18, which is later.
    let (until, why) = retain_until(&ca, date!(2010 - 01 - 01), date!(2022 - 01 - 01), date!(2023 - 06 - 01));
    assert_eq!(until, date!(2035 - 01 - 01));
    assert!(why.contains("after majority"), "{why}");
    // A minor whose treatment ended long after majority: the end counts.
    let (until, _) = retain_until(&ca, date!(2000 - 01 - 01), date!(2017 - 01 - 01), date!(2030 - 01 - 01));
    assert_eq!(until, date!(2037 - 01 - 01));
}

#[test]
fn every_shipped_jurisdiction_has_citations_and_the_listed_states_are_there() {
    let rules = all_in_force(date!(2026 - 06 - 01)).unwrap();
    let codes: Vec<&str> = rules.iter().map(|rule| rule.code.as_str()).collect();
    for code in ["US-CA", "US-WA", "US-CO", "US-IL", "US-PA", "US-OH", "US-NY", "US-TX", "DEFAULT"] {
        assert!(codes.contains(&code), "{code}");
    }
    for rule in &rules {
        for key in ["min_consent_age", "guardian_access_without_authorization", "majority_age", "retention"] {
            assert!(rule.citations.get(key).is_some_and(|cite| !cite.is_empty()), "{} {key}", rule.code);
        }
        if rule.session_cap.is_some() {
            assert!(rule.citations.contains_key("session_cap"), "{}", rule.code);
        }
    }
    let il = rules.iter().find(|rule| rule.code == "US-IL").unwrap();
    assert_eq!((il.session_cap, il.session_cap_under_age), (Some(8), Some(17)));
    let oh = rules.iter().find(|rule| rule.code == "US-OH").unwrap();
    assert_eq!((oh.session_cap, oh.session_cap_days), (Some(6), Some(30)));
}

#[test]
fn a_broken_rule_file_is_refused() {
    assert!(parse("{").is_err());
    let file = include_str!("../../../../assets/jurisdictions/rules.json");
    assert!(parse(&file.replace("\"majority_age\": 18", "\"majority_age\": 10")).is_err());
    assert!(parse(&file.replace("\"min_consent_age\": 12", "\"min_consent_age\": 19")).is_err());
}

#[test]
fn the_jurisdiction_choices_are_every_state_by_name_and_outside_the_us_last() {
    let choices = jurisdictions();
    assert_eq!(choices.len(), 50 + 1 + 5 + 1, "50 states, DC, 5 territories, outside the US");
    assert_eq!(choices.last(), Some(&OUTSIDE_US));
    let mut codes: Vec<&str> = choices.iter().map(|choice| choice.code).collect();
    let mut names: Vec<&str> = choices.iter().map(|choice| choice.name).collect();
    codes.sort_unstable();
    codes.dedup();
    names.sort_unstable();
    names.dedup();
    assert_eq!((codes.len(), names.len()), (choices.len(), choices.len()), "codes and names are unique");
    for choice in &choices {
        // Every choice is a code a client may be stored with, and its name is what people read back.
        assert_eq!(crate::clients::check_jurisdiction(choice.code).unwrap(), choice.code);
        assert_eq!(jurisdiction_name(choice.code), choice.name);
    }
    // Every shipped state's rules are reachable from the list, under the rules' own name.
    for rule in all_in_force(date!(2026 - 11 - 30)).unwrap().iter().filter(|rule| rule.code != "DEFAULT") {
        let choice = choices.iter().find(|choice| choice.code == rule.code);
        assert_eq!(choice.map(|choice| choice.name), Some(rule.name.as_str()), "{}", rule.code);
    }
    let states: Vec<&str> = choices[..51].iter().map(|choice| choice.name).collect();
    let mut sorted = states.clone();
    sorted.sort_unstable();
    assert_eq!(states, sorted, "the states and DC are in alphabetical order");
    assert_eq!(jurisdiction_name("us-ca"), "California");
    assert_eq!(jurisdiction_name("US"), "United States");
    for elsewhere in ["CA-ON", "GB", "ZZ", ""] {
        assert_eq!(jurisdiction_name(elsewhere), "Outside the US", "{elsewhere:?}");
    }
}
