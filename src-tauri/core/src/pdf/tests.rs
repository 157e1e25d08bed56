use std::collections::BTreeSet;
use std::process::Command;

use super::layout::{self, page_label, text_width, wrap, Face, Layout, Measure, MARGIN, RIGHT_EDGE, TEXT_WIDTH};
use super::*;
use crate::ErrorCode;
use unicode_segmentation::UnicodeSegmentation;

const NAMES: [&str; 3] = ["Zoë Ångström-Łukasiewicz", "Γιώργος Παπαδόπουλος", "Дмитрий Шостакович"];

fn document(blocks: Vec<Block>) -> Document {
    Document {
        title: "Client record".into(),
        subtitle: Some("Exported for the client".into()),
        created_at: "2024-05-06T07:08:09+02:00".into(),
        footer: "Saferoom · confidential".into(),
        letterhead: Letterhead::default(),
        blocks,
        keywords: Vec::new(),
    }
}

fn paragraph(index: usize) -> Block {
    Block::Paragraph(format!(
        "Paragraph {index}. The client described the week as steadier than the last; sleep has improved and \
         the breathing exercises are used most mornings. Plan: continue, review in two weeks."
    ))
}

/// Runs a poppler tool on the PDF and returns its standard output; fails on any complaint.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), pdf).expect("write the PDF");
    let mut command = Command::new(tool);
    command.args(args).arg(file.path()).env("TZ", "UTC");
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|error| panic!("{tool} (poppler-utils) must be installed: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.trim().is_empty(), "{tool} failed: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn info_field(info: &str, key: &str) -> String {
    let line = info.lines().find(|line| line.starts_with(&format!("{key}:"))).unwrap_or_else(|| panic!("no {key}"));
    line[key.len() + 1..].trim().to_owned()
}

fn page_count(pdf: &[u8]) -> usize {
    info_field(&poppler("pdfinfo", &[], pdf), "Pages").parse().expect("a page count")
}

/// Every grapheme cluster 0.5 em wide (bold 0.6 em); the snowman is one the "font" lacks.
struct Mono;

impl Mono {
    fn advance(face: Face) -> f32 {
        match face {
            Face::Regular => 0.5,
            Face::Bold => 0.6,
        }
    }
}

impl Measure for Mono {
    fn clusters(&self, face: Face, text: &str) -> Vec<(usize, f32)> {
        text.grapheme_indices(true).map(|(at, _)| (at, Mono::advance(face))).collect()
    }

    fn shape(&self, face: Face, text: &str, _rtl: bool) -> shape::Shaped {
        shape::Shaped {
            pieces: Vec::new(),
            width: text.graphemes(true).count() as f32 * Mono::advance(face),
            unprintable: if text.contains('☃') { vec!['☃'] } else { Vec::new() },
        }
    }

    fn ascent(&self) -> f32 {
        0.8
    }
}

fn lines(measure: &dyn Measure, text: &str, width: f32) -> Vec<String> {
    wrap(measure, Face::Regular, 10.0, text, width).into_iter().map(|(line, _)| line).collect()
}

fn real_layout(document: &Document) -> Layout {
    layout::layout(document, &shape::Cached::new(shape::fonts().expect("the bundled fonts parse")))
}

/// The body's runs (not the footer) of every page.
fn body_runs(layout: &Layout) -> Vec<Vec<&layout::TextRun>> {
    layout.pages.iter().map(|page| page.runs.iter().filter(|run| run.size > 9.0).collect()).collect()
}

// ---- Layout: wrapping -------------------------------------------------------------------------------

#[test]
fn wrap_breaks_at_spaces_as_late_as_the_width_allows() {
    // Each character is 5 pt: 35 pt holds 7.
    assert_eq!(lines(&Mono, "aaa bbb ccc", 35.0), ["aaa bbb", "ccc"]);
    assert_eq!(lines(&Mono, "aaa bbb ccc", 34.9), ["aaa", "bbb", "ccc"]);
    assert_eq!(lines(&Mono, "aaa bbb ccc", 55.0), ["aaa bbb ccc"]);
    assert_eq!(lines(&Mono, "aaa   bbb", 35.0), ["aaa", "bbb"], "spaces at a break are dropped");
    assert_eq!(lines(&Mono, "aa  bb", 100.0), ["aa  bb"], "inner spaces are kept");
    assert_eq!(lines(&Mono, "  aa bb ", 100.0), ["  aa bb"], "indentation kept, trailing spaces trimmed");
    let measured = wrap(&Mono, Face::Regular, 10.0, "aaa bbb ccc", 35.0);
    assert_eq!(measured.iter().map(|(_, width)| *width).collect::<Vec<_>>(), [35.0, 15.0]);
}

#[test]
fn wrap_breaks_words_longer_than_a_line_never_leaving_one_letter_on_a_line() {
    // No hyphenation point in "xxxx…": broken where it fits, a '-' added, the last piece 3 letters.
    assert_eq!(lines(&Mono, &"x".repeat(20), 35.0), ["xxxxxx-", "xxxxxx-", "xxxxx-", "xxx"]);
    assert_eq!(lines(&Mono, &format!("ab {}", "x".repeat(10)), 35.0), ["ab", "xxxxxx-", "xxxx"]);
    assert_eq!(lines(&Mono, "abcdefgh", 35.0), ["abcde-", "fgh"], "not 'abcdef-' and a lone 'h'... nor 'gh'");
    // Indentation that leaves no room gives way rather than overflowing.
    for (line, width) in wrap(&Mono, Face::Regular, 10.0, &format!("      {}", "y".repeat(9)), 35.0) {
        assert!(width <= 35.0, "{line:?} is {width} pt wide");
    }
    // A column narrower than one character still makes progress, one character a line.
    assert_eq!(lines(&Mono, "abc", 1.0), ["a", "b", "c"]);
    // Two characters' room: pairs, never a lone letter after them.
    assert_eq!(
        lines(&Mono, "abcde", 10.0),
        ["ab", "cde"].map(str::to_owned).iter().flat_map(|piece| lines(&Mono, piece, 10.0)).collect::<Vec<_>>()
    );
    // Codes (with digits) get no added '-': it would change them. A hyphen already there is a break.
    let hash = "0123456789abcdef".repeat(3);
    let pieces = lines(&Mono, &hash, 60.0);
    assert_eq!(pieces.concat(), hash);
    assert!(pieces.iter().all(|piece| piece.chars().count() >= 3), "{pieces:?}");
    assert_eq!(lines(&Mono, "b7e1c2d4-9a0f-4c3e", 50.0), ["b7e1c2d4-", "9a0f-4c3e"]);
    // Not even where its letters look like syllables (a SHA-256 seen broken as "…bdecc-fac37…").
    let hash = "1aa25528e77c19e6cf447f6cbb0c69e0209bdeccfac37b7b92771090bdb076f2";
    for room in 8..64 {
        let pieces = lines(&Mono, hash, room as f32 * 5.0);
        assert_eq!(pieces.concat(), hash, "{room}: {pieces:?}");
    }
}

/// The positions (in characters) where `hypher` would hyphenate `word` in English.
fn english_points(word: &str) -> Vec<usize> {
    hypher::hyphenate(word, hypher::Lang::English)
        .scan(0, |at, syllable| {
            *at += syllable.chars().count();
            Some(*at)
        })
        .filter(|&at| at < word.chars().count())
        .collect()
}

#[test]
fn a_long_word_breaks_at_the_latest_hyphenation_point_that_fits() {
    let word = "incomprehensibilities";
    let points = english_points(word);
    assert!(points.len() > 3, "{points:?}");
    for room in 6..21 {
        let pieces = lines(&Mono, word, room as f32 * 5.0);
        assert!(pieces.len() > 1, "{room}: {pieces:?}");
        let mut at = 0;
        for piece in &pieces[..pieces.len() - 1] {
            let stem = piece.strip_suffix('-').unwrap_or_else(|| panic!("{piece:?} ends with a hyphen"));
            at += stem.chars().count();
            assert!(points.contains(&at), "{room}: {piece:?} does not end at a hyphenation point {points:?}");
            assert!(piece.chars().count() <= room, "{piece:?} fits");
            // The latest point that fits: the next one would not have.
            if let Some(next) = points.iter().find(|&&point| point > at) {
                let longer = next - (at - stem.chars().count()) + 1;
                assert!(longer > room || next + 3 > word.len(), "{room}: {piece:?} broke early");
            }
        }
        let joined: String = pieces.iter().map(|piece| piece.trim_end_matches('-')).collect();
        assert_eq!(joined, word);
    }
    // Greek and Cyrillic words use their own patterns.
    let greek = "αντικειμενικότητα".repeat(2);
    let russian = "достопримечательность".repeat(2);
    for (word, lang) in [(greek, hypher::Lang::Greek), (russian, hypher::Lang::Russian)] {
        let pieces = lines(&Mono, &word, 80.0);
        let first = pieces[0].strip_suffix('-').expect("a hyphen added");
        let points: Vec<usize> = hypher::hyphenate(&word, lang)
            .scan(0, |at, syllable| {
                *at += syllable.chars().count();
                Some(*at)
            })
            .collect();
        assert!(points.contains(&first.chars().count()), "{pieces:?} {points:?}");
    }
}

#[test]
fn no_word_of_any_length_leaves_a_single_letter_on_a_line() {
    let alphabets = ["abcdefghijklmnopqrstuvwxyz", "αβγδεζηθικλμνξοπρστυφχψω", "абвгдежзийклмнопрстуфхцчшщыэюя"];
    for alphabet in alphabets {
        let letters: Vec<char> = alphabet.chars().collect();
        for length in 1..90 {
            let word: String = (0..length).map(|i| letters[(i * 5 + length) % letters.len()]).collect();
            for room in 4..14 {
                let pieces = lines(&Mono, &word, room as f32 * 5.0);
                let joined: String = pieces.iter().map(|piece| piece.trim_end_matches('-')).collect();
                assert_eq!(joined, word);
                for piece in &pieces {
                    let letters = piece.trim_end_matches('-').chars().count();
                    // Three letters at least where the room holds three and a hyphen; two in a narrower one.
                    let least = if room >= 5 { 3 } else { 2 };
                    assert!(letters >= length.min(least), "{word:?} in {room}: {pieces:?}");
                    assert!(piece.chars().count() <= room, "{piece:?} overflows {room}");
                }
            }
        }
    }
}

#[test]
fn a_rendered_long_word_reads_back_hyphenated() {
    let word = "supercalifragilisticexpialidocious".repeat(4);
    let pdf = render(&document(vec![Block::Paragraph(format!("It was {word}, truly."))])).unwrap();
    // `-layout` keeps the printed lines (plain pdftotext joins hyphenated words back).
    let text = poppler("pdftotext", &["-layout"], &pdf);
    let body: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|line| !line.starts_with("It was"))
        .take_while(|line| !line.is_empty())
        .collect();
    assert!(body.len() >= 3, "{text}");
    assert_eq!(body[0], "It was");
    for line in &body[1..body.len() - 1] {
        assert!(line.ends_with('-') && line.chars().count() > 3, "{line:?} in {body:?}");
    }
    assert!(body.last().unwrap().ends_with(", truly.") && body.last().unwrap().chars().count() > 10);
    let joined: String = body[1..].iter().map(|line| line.trim_end_matches('-')).collect();
    assert_eq!(joined, format!("{word}, truly."));
}

#[test]
fn wrap_gives_one_empty_line_for_empty_or_blank_text() {
    assert_eq!(lines(&Mono, "", 35.0), [""]);
    assert_eq!(lines(&Mono, "    ", 35.0), [""]);
}

#[test]
fn tabs_become_spaces_carriage_returns_go_and_every_other_character_stays() {
    assert_eq!(layout::printable("a☃b\tc\u{7}d\r"), "a☃b c\u{7}d");
    assert_eq!(lines(&Mono, "snow☃man", 100.0), ["snow☃man"]);
}

#[test]
fn real_font_widths_fill_lines_greedily_without_overflowing() {
    let fonts = shape::fonts().unwrap();
    let text = "Zoë Ångström-Łukasiewicz attended with Γιώργος and Дмитрий; the session focused on sleep, \
                routines, and the week ahead. "
        .repeat(6);
    let wrapped = wrap(fonts, Face::Regular, 10.5, &text, TEXT_WIDTH);
    assert!(wrapped.len() > 3, "{wrapped:?}");
    for (index, (line, width)) in wrapped.iter().enumerate() {
        assert!(*width <= TEXT_WIDTH, "line {index} is {width} pt wide");
        assert!((width - text_width(fonts, Face::Regular, 10.5, line)).abs() < 0.01, "width is measured");
        if let Some((next, _)) = wrapped.get(index + 1) {
            // Greedy: the next line's first word would not have fitted.
            let first_word = next.split([' ', '-']).next().unwrap();
            let longer =
                if line.ends_with('-') { format!("{line}{first_word}") } else { format!("{line} {first_word}") };
            assert!(text_width(fonts, Face::Regular, 10.5, &longer) > TEXT_WIDTH, "line {index} broke early");
        }
    }
    // Lines break at spaces (dropped) or after a hyphen (UAX #14).
    let rejoined = wrapped.iter().fold(String::new(), |mut joined, (line, _)| {
        if !joined.is_empty() && !joined.ends_with('-') {
            joined.push(' ');
        }
        joined.push_str(line);
        joined
    });
    assert_eq!(rejoined, text.trim_end());
    // Bold is wider than regular, so the same text needs at least as many lines.
    assert!(wrap(fonts, Face::Bold, 10.5, &text, TEXT_WIDTH).len() >= wrapped.len());
}

// ---- Layout: blocks and pages ---------------------------------------------------------------------

#[test]
fn an_unbroken_500_character_word_stays_inside_the_column() {
    let word: String = "Ωmegaλ".chars().cycle().take(500).collect();
    let layout = real_layout(&document(vec![
        Block::Paragraph(format!("Before {word} after")),
        Block::Field { label: "Hash".into(), value: word.clone() },
    ]));
    let runs: Vec<_> = layout.pages.iter().flat_map(|page| &page.runs).collect();
    for run in &runs {
        assert!(run.x >= MARGIN - 0.01 && run.x + run.width <= RIGHT_EDGE + 0.01, "{run:?} overflows");
    }
    let paragraph: Vec<&str> = runs
        .iter()
        .filter(|run| run.x == MARGIN && run.size == 10.5 && run.face == Face::Regular)
        .map(|run| run.text.as_str())
        .collect();
    assert!(paragraph.len() > 2, "the word is broken over several lines: {paragraph:?}");
    assert!(paragraph[1..].iter().all(|line| line.chars().count() > 3), "{paragraph:?}");
    let unhyphenated = |runs: &[&str]| runs.iter().map(|text| text.trim_end_matches('-')).collect::<String>();
    assert_eq!(unhyphenated(&paragraph), format!("Before{word} after"));
    let value_runs: Vec<_> =
        runs.iter().filter(|run| run.face == Face::Regular && run.size == 10.5 && run.x > MARGIN + 1.0).collect();
    assert!(value_runs.len() > 1, "the value wraps");
    assert_eq!(unhyphenated(&value_runs.iter().map(|run| run.text.as_str()).collect::<Vec<_>>()), word);
}

#[test]
fn a_field_value_wraps_under_itself_and_a_long_label_puts_it_below() {
    let value = "word ".repeat(60);
    let layout =
        real_layout(&document(vec![Block::Field { label: "Presenting concern".into(), value: value.clone() }]));
    let runs = &body_runs(&layout)[0];
    let label = runs.iter().find(|run| run.text == "Presenting concern:").expect("the label run");
    assert_eq!((label.face, label.x), (Face::Bold, MARGIN));
    let values: Vec<_> = runs.iter().filter(|run| run.face == Face::Regular && run.text.starts_with("word")).collect();
    assert!(values.len() >= 2, "{values:?}");
    assert!(values.iter().all(|run| run.x == values[0].x), "continuation lines align with the value");
    assert!(values[0].x > label.x + label.width, "the value starts after the label");
    assert_eq!(values[0].y, label.y, "label and value share the first line");

    let long_label = "A label so long that it takes most of the line before any value could start, really".to_owned();
    let layout = real_layout(&document(vec![Block::Field { label: long_label.clone(), value: "short".into() }]));
    let runs = &body_runs(&layout)[0];
    let value = runs.iter().find(|run| run.text == "short").expect("the value run");
    let label = runs.iter().find(|run| run.face == Face::Bold && run.text.starts_with("A label")).unwrap();
    assert_eq!(value.x, MARGIN);
    assert!(value.y < label.y, "the value goes below a long label");

    let layout = real_layout(&document(vec![
        Block::Field { label: "Ends with a colon:".into(), value: "x".into() },
        Block::Field { label: String::new(), value: "no label".into() },
    ]));
    let texts: Vec<_> = body_runs(&layout)[0].iter().map(|run| run.text.as_str()).collect();
    assert_eq!(texts[2..], ["Ends with a colon:", "x", "no label"]);
}

#[test]
fn paragraph_newlines_start_lines_and_blank_lines_are_kept() {
    let layout = real_layout(&document(vec![Block::Paragraph("one\ntwo\n\nfour\r\nfive".into())]));
    let runs: Vec<_> = body_runs(&layout)[0].iter().filter(|run| run.size == 10.5).copied().collect();
    assert_eq!(runs.iter().map(|run| run.text.as_str()).collect::<Vec<_>>(), ["one", "two", "four", "five"]);
    let line = 10.5 * layout::LINE_HEIGHT;
    assert!((runs[0].y - runs[1].y - line).abs() < 0.01);
    assert!((runs[1].y - runs[2].y - 2.0 * line).abs() < 0.01, "the blank line keeps its height");
    assert!((runs[2].y - runs[3].y - line).abs() < 0.01, "\\r\\n is one line break");
}

#[test]
fn a_heading_never_ends_a_page() {
    let mut checked_boundary = false;
    for filler in 40..75 {
        let mut blocks: Vec<Block> = (0..filler).map(|i| Block::Paragraph(format!("Line {i}"))).collect();
        blocks.push(Block::Heading("Session notes".into()));
        blocks.push(Block::Paragraph("The first line after the heading.".into()));
        let layout = real_layout(&document(blocks));
        for page in body_runs(&layout) {
            let last = page.last().expect("every page has body text");
            assert_ne!(last.text, "Session notes", "heading left alone at a page bottom (filler {filler})");
        }
        let heading_page =
            body_runs(&layout).iter().position(|page| page.iter().any(|run| run.text == "Session notes"));
        checked_boundary |= heading_page == Some(1);
    }
    assert!(checked_boundary, "some filler length must push the heading onto page 2");
}

#[test]
fn page_breaks_start_new_pages_but_never_make_empty_ones() {
    let text = |layout: &Layout| -> Vec<Vec<String>> {
        body_runs(layout).iter().map(|page| page.iter().map(|run| run.text.clone()).collect()).collect()
    };
    let untitled = |blocks| Document { title: String::new(), subtitle: None, ..document(blocks) };
    let layout = real_layout(&untitled(vec![
        Block::PageBreak,
        Block::Paragraph("a".into()),
        Block::PageBreak,
        Block::PageBreak,
        Block::Paragraph("b".into()),
        Block::PageBreak,
    ]));
    assert_eq!(text(&layout), [vec!["a"], vec!["b"]]);
    // After a title, a page break sends the content to page 2.
    let layout = real_layout(&document(vec![Block::PageBreak, Block::Paragraph("c".into())]));
    assert_eq!(text(&layout), [vec!["Client record", "Exported for the client"], vec!["c"]]);
}

#[test]
fn the_footer_is_on_every_page_cut_to_three_lines_and_clear_of_the_body() {
    let footer = "This record is confidential and protected by law. ".repeat(20);
    let blocks: Vec<Block> = (0..120).map(paragraph).collect();
    let layout = real_layout(&Document { footer, ..document(blocks) });
    let count = layout.pages.len();
    assert!(count > 2);
    for (index, page) in layout.pages.iter().enumerate() {
        let footer: Vec<_> = page.runs.iter().filter(|run| run.size < 9.0).collect();
        assert_eq!(footer.len(), 4, "three footer lines and the page label");
        assert!(footer[2].text.ends_with('…'), "{:?}", footer[2].text);
        let label = footer.last().unwrap();
        assert_eq!(label.text, page_label(index + 1, count));
        assert!((label.x + label.width - RIGHT_EDGE).abs() < 0.01, "right-aligned");
        let footer_top = footer.iter().map(|run| run.y + run.size).fold(0.0, f32::max);
        let body_bottom =
            page.runs.iter().filter(|run| run.size > 9.0).map(|run| run.y - 0.25 * run.size).fold(f32::MAX, f32::min);
        assert!(body_bottom > footer_top, "page {index}: body at {body_bottom} reaches the footer at {footer_top}");
        for run in &footer[..3] {
            assert!(run.x + run.width < label.x, "footer text runs into the page label");
        }
    }
}

#[test]
fn an_empty_document_lays_out_one_page_with_only_the_page_label() {
    let empty = Document {
        title: String::new(),
        subtitle: None,
        created_at: String::new(),
        footer: String::new(),
        letterhead: Letterhead::default(),
        blocks: vec![],
        keywords: Vec::new(),
    };
    let layout = real_layout(&empty);
    assert_eq!(layout.pages.len(), 1);
    let texts: Vec<_> = layout.pages[0].runs.iter().map(|run| run.text.as_str()).collect();
    assert_eq!(texts, ["Page 1 of 1"]);
}

#[test]
fn ten_thousand_paragraphs_lay_out_with_consistent_page_labels() {
    let blocks: Vec<Block> = (0..10_000).map(|i| Block::Paragraph(format!("Entry {i}"))).collect();
    let layout = real_layout(&document(blocks));
    let count = layout.pages.len();
    assert!(count > 100, "{count} pages");
    let last = layout.pages[count - 1].runs.last().unwrap();
    assert_eq!(last.text, format!("Page {count} of {count}"));
    let entries = body_runs(&layout).iter().flatten().filter(|run| run.text.starts_with("Entry ")).count();
    assert_eq!(entries, 10_000);
}

// ---- Rendering: real PDFs read back ----------------------------------------------------------------

#[test]
fn metadata_comes_from_the_document() {
    let pdf = render(&document(vec![Block::Paragraph("Hello".into())])).unwrap();
    let info = poppler("pdfinfo", &[], &pdf);
    assert_eq!(info_field(&info, "Title"), "Client record");
    assert_eq!(info_field(&info, "CreationDate"), "Mon May  6 05:08:09 2024 UTC", "created_at, in UTC");
    assert_eq!(info_field(&info, "ModDate"), "Mon May  6 05:08:09 2024 UTC");
    assert_eq!(info_field(&info, "Producer"), "Saferoom");
    assert_eq!(info_field(&info, "Pages"), "1");
    assert!(info_field(&info, "Page size").contains("612 x 792 pts (letter)"), "{info}");
    assert!(!info.contains("PDF/X"), "the file must not claim PDF/X conformance: {info}");

    let title = format!("Record — {}", NAMES[0]);
    let pdf = render(&Document { title: title.clone(), ..document(vec![]) }).unwrap();
    assert_eq!(info_field(&poppler("pdfinfo", &[], &pdf), "Title"), title);
}

#[test]
fn every_field_and_paragraph_reads_back_exactly_and_in_order() {
    let pdf = render(&document(vec![
        Block::Heading("Demographics".into()),
        Block::Field { label: "Name".into(), value: NAMES[0].into() },
        Block::Field { label: "Emergency contact".into(), value: NAMES[1].into() },
        Block::Field { label: "Referred by".into(), value: NAMES[2].into() },
        Block::Rule,
        Block::Heading("Notes".into()),
        Block::Paragraph("Ελληνικά, русский, and Ærøskøbing (a town) — all in one paragraph.".into()),
        Block::Paragraph("Second paragraph: «quotes», “curly”, 50 % & 3 ≤ 4.".into()),
    ]))
    .unwrap();
    let text = poppler("pdftotext", &[], &pdf);
    let expected = [
        "Client record",
        "Exported for the client",
        "Demographics",
        "Name: Zoë Ångström-Łukasiewicz",
        "Emergency contact: Γιώργος Παπαδόπουλος",
        "Referred by: Дмитрий Шостакович",
        "Notes",
        "Ελληνικά, русский, and Ærøskøbing (a town) — all in one paragraph.",
        "Second paragraph: «quotes», “curly”, 50 % & 3 ≤ 4.",
        "Saferoom · confidential",
        "Page 1 of 1",
    ];
    let mut from = 0;
    for piece in expected {
        let at = text[from..].find(piece).unwrap_or_else(|| panic!("{piece:?} missing or out of order in:\n{text}"));
        from += at + piece.len();
    }
}

#[test]
fn names_in_many_scripts_survive_exactly() {
    let blocks = NAMES.iter().map(|name| Block::Field { label: "Client".into(), value: (*name).into() }).collect();
    let pdf = render(&document(blocks)).unwrap();
    for args in [&[][..], &["-layout"][..]] {
        let text = poppler("pdftotext", args, &pdf);
        for name in NAMES {
            assert!(text.contains(&format!("Client: {name}")), "{name} did not survive ({args:?}):\n{text}");
        }
    }
}

#[test]
fn a_long_document_paginates_with_page_n_of_m() {
    let blocks: Vec<Block> = (0..200).map(paragraph).collect();
    let pdf = render(&document(blocks)).unwrap();
    let count = page_count(&pdf);
    assert!(count > 1, "{count} pages");
    let text = poppler("pdftotext", &["-layout"], &pdf);
    let pages: Vec<&str> = text.split('\u{c}').filter(|page| !page.trim().is_empty()).collect();
    assert_eq!(pages.len(), count);
    for (index, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("Page {} of {count}", index + 1)), "page {}:\n{page}", index + 1);
        assert!(page.contains("Saferoom · confidential"));
    }
    // Every paragraph is there once, in order.
    let mut from = 0;
    let flat = text.replace('\n', " ");
    for index in 0..200 {
        let marker = format!("Paragraph {index}.");
        from += flat[from..].find(&marker).unwrap_or_else(|| panic!("{marker} missing or out of order"));
    }
}

#[test]
fn the_same_input_gives_identical_bytes() {
    let input = document(
        (0..40).map(paragraph).chain([Block::Field { label: "Name".into(), value: NAMES[2].into() }]).collect(),
    );
    let first = render(&input).unwrap();
    let second = render(&input.clone()).unwrap();
    assert!(first == second, "two renders of the same document differ");
    let later = render(&Document { created_at: "2024-05-06T07:08:10+02:00".into(), ..input }).unwrap();
    assert!(later != first, "a different created_at must show in the file");
}

#[test]
fn an_empty_document_renders_one_page() {
    let empty = Document {
        title: String::new(),
        subtitle: Some(String::new()),
        created_at: "2024-01-01T00:00:00Z".into(),
        footer: String::new(),
        letterhead: Letterhead::default(),
        blocks: vec![Block::Paragraph(String::new()), Block::Heading(String::new()), Block::PageBreak],
        keywords: Vec::new(),
    };
    let pdf = render(&empty).unwrap();
    assert_eq!(page_count(&pdf), 1);
    assert_eq!(poppler("pdftotext", &[], &pdf).trim(), "Page 1 of 1");
}

#[test]
fn a_character_no_font_has_prints_as_a_box_and_is_reported() {
    // Private use, unassigned, a control character: no bundled face draws them.
    let text = "Kanji 漢字, private \u{E000}, unassigned \u{0378}, bell \u{7}, again \u{E000}, fine.";
    let rendered = render_with_report(&document(vec![
        Block::Paragraph(text.into()),
        Block::Field { label: "漢".into(), value: "字 \u{10FFFD}".into() },
    ]))
    .unwrap();
    assert_eq!(rendered.unprintable, ['\u{E000}', '\u{0378}', '\u{7}', '\u{10FFFD}'], "each once, first seen first");
    let layout = real_layout(&document(vec![Block::Paragraph(text.into())]));
    let run = layout.pages[0].runs.iter().find(|run| run.text.starts_with("Kanji")).unwrap();
    let fonts = shape::fonts().unwrap();
    let boxes = run
        .pieces
        .iter()
        .filter(|piece| piece.font == shape::FontIx(0))
        .flat_map(|piece| &piece.glyphs)
        .filter(|glyph| Some(glyph.id) == fonts.faces[0].face.glyph_index(shape::PLACEHOLDER).map(|g| g.0))
        .count();
    assert_eq!(boxes, 4, "one box for each character no font has");
    let text = poppler("pdftotext", &[], &rendered.bytes);
    assert!(text.contains("Kanji 漢字, private"), "{text}");
    // Text with nothing to report reports nothing.
    let plain = render_with_report(&document(vec![Block::Paragraph(NAMES.join(" "))])).unwrap();
    assert!(plain.unprintable.is_empty(), "{:?}", plain.unprintable);
    assert_eq!(plain.bytes, render(&document(vec![Block::Paragraph(NAMES.join(" "))])).unwrap());
}

#[test]
fn an_unparseable_created_at_is_refused() {
    let error = render(&Document { created_at: "yesterday".into(), ..document(vec![]) }).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    assert_eq!(error.field(), Some("created_at"), "{error}");
    crate::error::assert_plain_sentence(&error);
}

#[test]
fn the_embedded_fonts_are_subset_and_still_draw_every_glyph() {
    let text = format!("{} {} {} 0123456789 ÅÉÎÕÜ", NAMES[0], NAMES[1], NAMES[2]);
    let pdf = render(&document(vec![Block::Heading(text.clone()), Block::Paragraph(text.repeat(3))])).unwrap();
    assert!(pdf.len() < 150_000, "{} bytes: the fonts were not subset", pdf.len());
    let fonts = poppler("pdffonts", &[], &pdf);
    assert_eq!(
        fonts.lines().filter(|line| line.contains("+DejaVuSans") && line.contains(" yes yes yes ")).count(),
        2,
        "{fonts}"
    );

    // Ink on the page: Ö is a composite glyph (O and a dieresis) in DejaVu Sans, so if the subset lost
    // outlines or components, a page of Ö would not be darker than a page of O.
    let ink = |letter: &str| {
        let words = vec![letter.repeat(8); 300].join(" ");
        let page = Document { title: String::new(), subtitle: None, footer: String::new(), ..document(vec![]) };
        let pdf = render(&Document { blocks: vec![Block::Paragraph(words)], ..page }).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &pdf).unwrap();
        let output =
            Command::new("pdftoppm").args(["-gray", "-r", "72", "-singlefile"]).arg(file.path()).output().unwrap();
        assert!(output.status.success() && output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
        // A binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel.
        let image = output.stdout;
        let header_end = image.windows(4).position(|w| w == b"255\n").expect("a PGM header") + 4;
        image[header_end..].iter().filter(|&&pixel| pixel < 160).count()
    };
    let (plain, accented) = (ink("O"), ink("Ö"));
    assert!(plain > 5_000, "only {plain} dark pixels for 2,400 letters: glyph outlines are missing");
    assert!(accented > plain + 1_000, "Ö ({accented}) is no darker than O ({plain}): components are missing");
}

#[test]
fn the_subsetter_renumbers_kept_glyphs_and_their_composite_components() {
    let fonts = shape::fonts().unwrap();
    let full = &fonts.faces[0].face;
    let bytes = shape::FACES[0].bytes;
    let keep: BTreeSet<u16> = ['A', 'Ö', 'Ж'].iter().map(|&ch| full.glyph_index(ch).unwrap().0).collect();
    let subset = subset::subset(bytes, &keep).unwrap();
    assert!(subset.bytes.len() < bytes.len() / 50, "{} bytes", subset.bytes.len());
    let before = subset::outlines(bytes).unwrap();
    let o_dieresis = full.glyph_index('Ö').unwrap().0;
    let components = subset::components(before[usize::from(o_dieresis)]).unwrap();
    assert!(components.len() == 2, "Ö is a composite glyph in DejaVu Sans (O and a dieresis)");
    let kept: BTreeSet<u16> = keep.iter().chain(&components).copied().chain([0]).collect();
    assert_eq!(subset.old_ids, kept.iter().copied().collect::<Vec<_>>(), ".notdef, the glyphs and their components");
    let reparsed = rustybuzz::ttf_parser::Face::parse(&subset.bytes, 0).expect("the subset parses");
    assert_eq!(usize::from(reparsed.number_of_glyphs()), kept.len());
    let after = subset::outlines(&subset.bytes).unwrap();
    for (new, &old) in subset.old_ids.iter().enumerate() {
        let new = new as u16;
        assert_eq!(subset.new_id(old), new);
        assert_eq!(
            reparsed.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(new)),
            full.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(old))
        );
        assert_eq!(
            subset.advances[usize::from(new)],
            full.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(old)).unwrap()
        );
        let (old_outline, new_outline) = (before[usize::from(old)], after[usize::from(new)]);
        assert_eq!(old_outline.len(), new_outline.len().min(old_outline.len()), "glyph {old} kept its outline");
        let remapped: Vec<u16> = subset::components(old_outline).unwrap().iter().map(|&c| subset.new_id(c)).collect();
        assert_eq!(subset::components(new_outline).unwrap(), remapped, "components renumbered");
        assert_eq!(
            reparsed.glyph_bounding_box(rustybuzz::ttf_parser::GlyphId(new)),
            full.glyph_bounding_box(rustybuzz::ttf_parser::GlyphId(old)),
            "glyph {old} draws the same"
        );
    }
    assert_eq!(subset.new_id(full.glyph_index('B').unwrap().0), 0, "a glyph not kept is .notdef");
    assert!(subset::subset(b"not a font", &keep).is_err());
    assert!(subset::subset(&bytes[..5_000], &keep).is_err(), "truncated input is refused, not a panic");
}

// ---- Keep-together groups: signature blocks ------------------------------------------------------

/// Names of every length from 1 to 200 characters in the scripts the bundled fonts cover.
fn names_of_every_length() -> Vec<String> {
    let alphabets = [
        "abcdefghijklmnopqrstuvwxyz",
        "ÀÉÎÕÜåçèñøßłŁŻźĆ",
        "αβγδεζηθικλμνξοπρστυφχψω",
        "абвгдежзийклмнопрстуфхцчшщыэюя",
        "אבגדהוזחטיכלמנסעפצקרשת",
        "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
        "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    ];
    let mut names = Vec::new();
    for length in (1..=200).step_by(7).chain([2, 3, 199, 200]) {
        let alphabet: Vec<char> = alphabets[length % alphabets.len()].chars().collect();
        let name: String = (0..length)
            .map(|i| if i % 9 == 8 && i + 1 < length { ' ' } else { alphabet[(i * 7 + length) % alphabet.len()] })
            .collect();
        names.push(name);
    }
    names
}

fn signature_image() -> Block {
    let pixels = (0..60 * 20).map(|i| if i % 7 == 0 { 0 } else { 255 }).collect();
    Block::Image { image: GreyImage { width: 60, height: 20, pixels }, width: 210, height: 70 }
}

/// A signature block as the consent PDF makes it, marked `S<index>` so its parts can be found.
fn signature_block(index: usize, name: &str) -> Block {
    Block::Keep(vec![
        Block::Heading(format!("S{index:03} Client: {name}")),
        signature_image(),
        Block::Field { label: "Typed name".into(), value: name.to_owned() },
        Block::Field {
            label: "Intent".into(),
            value: "Confirmed: “I intend to sign this document electronically”".into(),
        },
        Block::Field { label: "Signed".into(), value: format!("S{index:03}-signed 30 November 2026, 2:05 pm CST") },
    ])
}

/// A long packet: documents of varying length, each followed by its signature blocks.
fn packet(names: &[String], filler: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if index % 4 == 0 {
            blocks.push(Block::Heading(format!("Document {}", index / 4)));
            blocks.extend((0..(filler + index) % 9).map(paragraph));
            blocks.push(Block::Heading("Signatures".into()));
        }
        blocks.push(signature_block(index, name));
    }
    blocks
}

/// For each signature block, the pages its heading, picture, typed name, intent and time are on.
fn signature_parts_pages(layout: &Layout, count: usize) -> Vec<[usize; 5]> {
    let mut parts = vec![[usize::MAX; 5]; count];
    let (mut image, mut typed, mut intent) = (0, 0, 0);
    for (page_index, page) in layout.pages.iter().enumerate() {
        for _ in &page.images {
            parts[image][1] = page_index;
            image += 1;
        }
        for run in &page.runs {
            if run.face == Face::Bold && run.text.starts_with('S') && run.text.get(4..5) == Some(" ") {
                if let Ok(index) = run.text[1..4].parse::<usize>() {
                    parts[index][0] = page_index;
                }
            }
            if run.text == "Typed name:" {
                parts[typed][2] = page_index;
                typed += 1;
            }
            if run.text == "Intent:" {
                parts[intent][3] = page_index;
                intent += 1;
            }
            if let Some(index) = run.text.strip_prefix('S').and_then(|rest| rest.split_once("-signed")) {
                parts[index.0.parse::<usize>().unwrap()][4] = page_index;
            }
        }
    }
    assert_eq!((image, typed, intent), (count, count, count), "every part is placed once");
    parts
}

#[test]
fn a_signature_block_never_splits_across_pages_whatever_the_names() {
    let names = names_of_every_length();
    let mut moved_whole = 0;
    for filler in 0..9 {
        let layout = real_layout(&document(packet(&names, filler)));
        assert!(layout.pages.len() > 3, "a long packet");
        for (index, pages) in signature_parts_pages(&layout, names.len()).iter().enumerate() {
            assert!(pages.iter().all(|page| *page == pages[0]), "filler {filler}: signature {index} split: {pages:?}");
        }
        // The block really moved: the page before it has room left that its first part alone would fit.
        for page in &layout.pages[..layout.pages.len() - 1] {
            let lowest = page.runs.iter().filter(|run| run.size > 9.0).map(|run| run.y).fold(f32::MAX, f32::min);
            moved_whole += usize::from(lowest > MARGIN + 100.0);
        }
    }
    assert!(moved_whole > 0, "some page must end early because a whole signature block went to the next one");
}

#[test]
fn a_keep_group_moves_whole_to_the_next_page_and_one_taller_than_a_page_still_breaks() {
    let mut saw_move = false;
    for filler in 20..75 {
        let mut blocks: Vec<Block> = (0..filler).map(|i| Block::Paragraph(format!("Line {i}"))).collect();
        blocks.push(signature_block(0, "Zoë Ångström"));
        let layout = real_layout(&document(blocks));
        let pages = signature_parts_pages(&layout, 1)[0];
        assert!(pages.iter().all(|page| *page == pages[0]), "filler {filler}: {pages:?}");
        let runs = body_runs(&layout);
        if pages[0] > 0 && runs[pages[0]][0].text.starts_with("S000") {
            // The block heads its page: everything before it stayed on the page before.
            saw_move = true;
            let last_before = &runs[pages[0] - 1].last().unwrap().text;
            assert_eq!(last_before, &format!("Line {}", filler - 1), "filler {filler}");
        }
    }
    assert!(saw_move, "some filler length must push the block to page 2");

    // A group taller than a page cannot be kept: it breaks, nothing is lost and every page is used.
    let tall = Block::Keep((0..150).map(|i| Block::Paragraph(format!("Kept {i}"))).collect());
    let layout = real_layout(&document(vec![Block::Paragraph("Before".into()), tall, Block::PageBreak]));
    assert!(layout.pages.len() >= 2);
    let texts: Vec<String> = body_runs(&layout).iter().flatten().map(|run| run.text.clone()).collect();
    assert_eq!(texts.iter().filter(|text| text.starts_with("Kept ")).count(), 150);
    assert!(body_runs(&layout)[0].iter().any(|run| run.text == "Kept 0"), "it starts on page 1 after 'Before'");
}

/// Which page (from 0) of a PDF each line of `pdftotext` output is on, with the line.
fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    poppler("pdftotext", &[], pdf).split('\u{c}').map(str::to_owned).collect()
}

/// The page (from 1) of each picture in the PDF, in order.
fn image_pages(pdf: &[u8]) -> Vec<usize> {
    poppler("pdfimages", &["-list"], pdf)
        .lines()
        .skip(2)
        .map(|row| row.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_rendered_packet_read_back_has_every_signature_block_on_one_page() {
    let names = names_of_every_length();
    for filler in [0, 4] {
        let pdf = render(&document(packet(&names, filler))).unwrap();
        let pages = pdf_pages(&pdf);
        let images = image_pages(&pdf);
        assert_eq!(images.len(), names.len(), "one picture per signature");
        let page_of = |marker: &str| {
            let found: Vec<usize> =
                pages.iter().enumerate().filter(|(_, text)| text.contains(marker)).map(|(i, _)| i).collect();
            assert_eq!(found.len(), 1, "{marker:?} is on one page: {found:?}");
            found[0]
        };
        for (index, image_page) in images.iter().enumerate() {
            let heading = page_of(&format!("S{index:03} Client:"));
            let signed = page_of(&format!("S{index:03}-signed"));
            assert_eq!((heading, signed, image_page - 1), (heading, heading, heading), "signature {index} split");
        }
        for (number, page) in pages.iter().enumerate().filter(|(_, page)| !page.trim().is_empty()) {
            let count = |label: &str| page.lines().filter(|line| line.starts_with(label)).count();
            let pictures = images.iter().filter(|&&page| page == number + 1).count();
            assert_eq!(
                [count("Typed name:"), count("Intent:"), count("Signed: S")],
                [pictures; 3],
                "page {}: every picture has its typed name, intent and time beside it",
                number + 1
            );
        }
    }
}

// ---- Letterhead ----------------------------------------------------------------------------------------

fn letterhead() -> Letterhead {
    Letterhead::from_parts(
        "  Riverside Counselling — Zoë Ångström, LMFT ",
        "12 Elm Street\n\nSuite 4\nSpringfield, IL 62701",
        "(217) 555-0100",
        "Licensed Marriage and Family Therapist, Illinois #123.456789\n",
        "1234567893",
    )
}

#[test]
fn a_letterhead_is_made_of_the_practice_details_without_blank_lines() {
    assert_eq!(
        letterhead().lines,
        [
            "Riverside Counselling — Zoë Ångström, LMFT",
            "12 Elm Street",
            "Suite 4",
            "Springfield, IL 62701",
            "Phone (217) 555-0100",
            "Licensed Marriage and Family Therapist, Illinois #123.456789",
            "NPI 1234567893",
        ]
    );
    let empty = Letterhead::from_parts(" ", "\n \n", "", "  ", "");
    assert!(empty.lines.is_empty() && empty.is_empty());
    assert_eq!(Letterhead::from_parts("", "1 Main St", "", "", "").lines, ["1 Main St"]);
}

#[test]
fn the_letterhead_tops_page_one_and_its_name_heads_later_pages() {
    let blocks: Vec<Block> = (0..120).map(paragraph).collect();
    let layout = real_layout(&Document { letterhead: letterhead(), ..document(blocks.clone()) });
    assert!(layout.pages.len() > 2);
    let first: Vec<&str> = layout.pages[0].runs.iter().map(|run| run.text.as_str()).collect();
    assert_eq!(first[..8], [letterhead().lines.as_slice(), &["Client record".to_owned()]].concat());
    assert_eq!(layout.pages[0].runs[0].face, Face::Bold);
    let title_y = layout.pages[0].runs[7].y;
    assert!(layout.pages[0].rules.iter().any(|rule| rule.y > title_y), "a rule under the letterhead");
    for page in &layout.pages[1..] {
        let header = &page.runs[0];
        assert_eq!(header.text, letterhead().lines[0]);
        let body_top =
            page.runs[1..].iter().filter(|run| run.size > 9.0).map(|run| run.y + run.size).fold(0.0, f32::max);
        assert!(header.y > body_top + 4.0 && header.y < layout::PAGE_HEIGHT - 20.0, "in the top margin");
    }
    // Without a letterhead the pages are as before: nothing above the title, no header.
    let plain = real_layout(&document(blocks));
    assert_eq!(plain.pages[0].runs[0].text, "Client record");
    assert!(plain.pages[1].runs.iter().all(|run| !run.text.contains("Riverside")));
    assert!(plain.pages[0].rules.is_empty());

    // A very long practice name is cut on the running header.
    let long = Letterhead { lines: vec!["Riverside ".repeat(30)] };
    let layout = real_layout(&Document { letterhead: long, ..document((0..120).map(paragraph).collect()) });
    let header = &layout.pages[1].runs[0];
    assert!(header.text.ends_with('…') && header.x + header.width <= RIGHT_EDGE + 0.01, "{header:?}");
}

#[test]
fn a_rendered_letterhead_reads_back_on_every_page() {
    let pdf = render(&Document { letterhead: letterhead(), ..document((0..120).map(paragraph).collect()) }).unwrap();
    let pages: Vec<String> = pdf_pages(&pdf).into_iter().filter(|page| !page.trim().is_empty()).collect();
    assert!(pages.len() > 2);
    let mut from = 0;
    for line in letterhead().lines.iter().chain(["Client record".to_owned()].iter()) {
        from += pages[0][from..].find(line.as_str()).unwrap_or_else(|| panic!("{line:?} on page 1:\n{}", pages[0]));
    }
    for page in &pages[1..] {
        assert!(page.trim_start().starts_with(&letterhead().lines[0]), "{page}");
        assert!(!page.contains("NPI"), "later pages carry only the name");
    }
}

// ---- Every script: fallback, bidi, shaping, breaking ----------------------------------------------------

/// A name in each script a client's name may be in, with the script's own marks and joins.
const EVERY_SCRIPT: [(&str, &str); 11] = [
    ("Latin", "Zoë Ångström-Łukasiewicz"),
    ("Greek", "Γιώργος Παπαδόπουλος"),
    ("Cyrillic", "Дмитрий Шостакович"),
    ("Hebrew", "שרה כהן"),
    ("Arabic", "محمد عبد الله"),
    ("Arabic with lam-alef", "علاء الدين"),
    ("Devanagari", "प्रियंका क्षत्रिय"),
    ("Chinese", "王小明"),
    ("Japanese", "山田 花子"),
    ("Korean", "김민준"),
    ("Emoji", "Sam 🧠❤️"),
];

/// `pdftotext` output without the embedding marks poppler puts around right-to-left text.
fn extracted(pdf: &[u8], args: &[&str]) -> String {
    poppler("pdftotext", args, pdf).chars().filter(|ch| !('\u{202A}'..='\u{202E}').contains(ch)).collect()
}

fn untitled(blocks: Vec<Block>) -> Document {
    Document { title: String::new(), subtitle: None, footer: String::new(), ..document(blocks) }
}

/// Every glyph id drawn in the PDF's content streams, read back with printpdf's parser.
fn drawn_glyphs(pdf: &[u8]) -> Vec<u16> {
    let mut warnings = Vec::new();
    let parsed = printpdf::PdfDocument::parse(pdf, &printpdf::PdfParseOptions::default(), &mut warnings)
        .expect("the PDF parses");
    let mut glyphs = Vec::new();
    for page in &parsed.pages {
        for op in &page.ops {
            if let printpdf::Op::ShowText { items } = op {
                for item in items {
                    match item {
                        printpdf::TextItem::GlyphIds(ids) => glyphs.extend(ids.iter().map(|glyph| glyph.gid)),
                        printpdf::TextItem::Text(text) => panic!("text shown without glyph ids: {text:?}"),
                        printpdf::TextItem::Offset(_) => {}
                    }
                }
            }
        }
    }
    glyphs
}

#[test]
fn names_in_every_script_read_back_in_logical_order() {
    let blocks = EVERY_SCRIPT
        .iter()
        .map(|(script, name)| Block::Field { label: format!("{script} client"), value: (*name).into() })
        .collect();
    let rendered = render_with_report(&document(blocks)).unwrap();
    assert!(rendered.unprintable.is_empty(), "{:?}", rendered.unprintable);
    let text = extracted(&rendered.bytes, &[]);
    for (script, name) in EVERY_SCRIPT {
        assert!(text.contains(&format!("{script} client: {name}")), "{script} {name:?} did not come back:\n{text}");
    }
    // Each name alone, as a paragraph (a right-to-left paragraph then reads from the right).
    for (script, name) in EVERY_SCRIPT {
        let pdf = render(&untitled(vec![Block::Paragraph((*name).into())])).unwrap();
        let text = extracted(&pdf, &[]);
        assert_eq!(text.lines().next(), Some(name), "{script}:\n{text}");
    }
}

#[test]
fn each_script_is_set_in_its_own_face_and_only_faces_used_are_embedded() {
    let faces = |pdf: &[u8]| -> Vec<String> {
        poppler("pdffonts", &[], pdf)
            .lines()
            .skip(2)
            .map(|line| line.split_whitespace().next().unwrap().to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let latin = render(&untitled(vec![Block::Paragraph(NAMES.join(", "))])).unwrap();
    assert_eq!(faces(&latin), ["SRMREG+DejaVuSans"]);
    let all = render(&document(
        EVERY_SCRIPT
            .iter()
            .map(|(_, name)| Block::Paragraph((*name).into()))
            .chain([Block::Heading("שרה".into())])
            .collect(),
    ))
    .unwrap();
    assert_eq!(
        faces(&all),
        [
            "SRMARR+NotoSansArabic-Regular",
            "SRMBLD+DejaVuSans-Bold",
            "SRMCJK+DroidSansFallback",
            "SRMDER+NotoSansDevanagari-Regular",
            "SRMEMO+NotoEmoji-Regular",
            "SRMHEB+NotoSansHebrew-Bold",
            "SRMHER+NotoSansHebrew-Regular",
            "SRMREG+DejaVuSans",
        ]
    );
    let report = poppler("pdffonts", &[], &all);
    assert!(
        report.lines().skip(2).all(|line| line.contains("CID TrueType") && line.contains(" yes yes yes ")),
        "{report}"
    );
    // Bold CJK uses the one CJK face (and the page label regular DejaVu Sans).
    let bold_cjk = render(&untitled(vec![Block::Heading("王小明".into())])).unwrap();
    assert_eq!(faces(&bold_cjk), ["SRMCJK+DroidSansFallback", "SRMREG+DejaVuSans"]);
}

#[test]
fn arabic_letters_join_and_devanagari_conjuncts_form() {
    let fonts = shape::fonts().unwrap();
    let glyphs = |text: &str| -> (shape::FontIx, Vec<u16>) {
        let shaped = fonts.shape_line(Face::Regular, text, None);
        assert_eq!(shaped.pieces.len(), 1, "{text}: one face, one direction");
        (shaped.pieces[0].font, shaped.pieces[0].glyphs.iter().map(|glyph| glyph.id).collect())
    };
    // Isolated forms are what the cmap gives for each letter; joined letters take other glyphs.
    let (font, joined) = glyphs("محمد");
    let face = &fonts.faces[usize::from(font.0)].face;
    let isolated: Vec<u16> = "محمد".chars().rev().map(|ch| face.glyph_index(ch).unwrap().0).collect();
    assert_eq!(joined.len(), 4);
    assert!(joined.iter().zip(&isolated).filter(|(a, b)| a != b).count() >= 3, "{joined:?} vs {isolated:?}");
    // Lam-alef is one glyph.
    let (_, lam_alef) = glyphs("لا");
    assert_eq!(lam_alef.len(), 1, "{lam_alef:?}");
    // The right-to-left glyphs come in visual order: the first letter is drawn rightmost.
    let (_, word) = glyphs("بت");
    let face_glyph = |ch: char| face.glyph_index(ch).unwrap().0;
    assert_ne!(word.last(), Some(&face_glyph('ت')), "ب takes its initial form, rightmost");
    // Devanagari: क्ष is a conjunct (fewer glyphs than characters) and ि is drawn before क.
    let (font, conjunct) = glyphs("क्ष");
    assert_eq!(font, shape::FontIx(6));
    assert!(conjunct.len() < 3, "{conjunct:?}");
    let (font, ki) = glyphs("कि");
    let face = &fonts.faces[usize::from(font.0)].face;
    assert_eq!(ki.last(), Some(&face.glyph_index('क').unwrap().0), "the vowel sign ि comes first: {ki:?}");
}

#[test]
fn right_to_left_text_is_drawn_in_visual_order_with_left_to_right_runs_inside() {
    let fonts = shape::fonts().unwrap();
    let text = "Dr. שרה כהן, 42 Main St";
    let shaped = fonts.shape_line(Face::Regular, text, None);
    let visual: Vec<(&str, bool)> = shaped.pieces.iter().map(|piece| (piece.text.as_str(), piece.rtl)).collect();
    // UAX #9: the comma between Hebrew and a number takes the right-to-left direction, so "42" is
    // drawn left of "כהן," and the Hebrew words right to left.
    assert_eq!(
        visual,
        [("Dr. ", false), ("42", false), (", ", true), ("כהן", true), (" ", true), ("שרה", true), (" Main St", false)]
    );
    // The pieces cover the text exactly once, in logical order by their offsets.
    let mut logical = shaped.pieces.clone();
    logical.sort_by_key(|piece| piece.start);
    assert_eq!(logical.iter().map(|piece| piece.text.as_str()).collect::<String>(), text);
    // An Arabic name with digits: a right-to-left paragraph, the number drawn leftmost.
    let shaped = fonts.shape_line(Face::Regular, "فاطمة 123", None);
    assert_eq!(shaped.pieces.first().map(|piece| piece.text.as_str()), Some("123"));
    assert!(shaped.pieces.iter().all(|piece| piece.rtl || piece.text == "123"));
    // Read back: every word comes back in its own order.
    let pdf = render(&untitled(vec![Block::Paragraph(text.into())])).unwrap();
    let text_back = extracted(&pdf, &[]);
    for word in ["Dr.", "שרה", "כהן", "42", "Main St"] {
        assert!(text_back.contains(word), "{word} in {text_back}");
    }
}

#[test]
fn no_glyph_in_any_content_stream_is_notdef() {
    let names: Vec<&str> = EVERY_SCRIPT.iter().map(|(_, name)| *name).collect();
    let text = format!(
        "{} \u{E000} \u{0378} \u{7} a\u{301}\u{302}\u{303} \u{200D}\u{FE0F} ש\u{5B8}ל\u{5D5}ם",
        names.join(" ")
    );
    let pdf = render(&document(vec![
        Block::Heading(text.clone()),
        Block::Paragraph(text.repeat(3)),
        Block::Field { label: text.clone(), value: text },
    ]))
    .unwrap();
    let glyphs = drawn_glyphs(&pdf);
    assert!(glyphs.len() > 300, "{} glyphs", glyphs.len());
    assert!(glyphs.iter().all(|&glyph| glyph != 0), "a .notdef glyph is drawn");
    let fonts = shape::fonts().unwrap();
    let layout = real_layout(&document(vec![Block::Paragraph(names.join(" "))]));
    for piece in layout.pages.iter().flat_map(|page| &page.runs).flat_map(|run| &run.pieces) {
        assert!(piece.glyphs.iter().all(|glyph| glyph.id != 0), "{piece:?}");
        assert!(fonts.faces.get(usize::from(piece.font.0)).is_some());
    }
}

/// Dark pixels on page 1 of `pdf` at 72 dpi.
fn ink(pdf: &[u8]) -> usize {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let output = Command::new("pdftoppm").args(["-gray", "-r", "72", "-singlefile"]).arg(file.path()).output().unwrap();
    assert!(output.status.success() && output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let image = output.stdout;
    let header_end = image.windows(4).position(|w| w == b"255\n").expect("a PGM header") + 4;
    image[header_end..].iter().filter(|&&pixel| pixel < 160).count()
}

#[test]
fn every_name_puts_ink_on_the_page() {
    let blank = ink(&render(&untitled(vec![Block::Paragraph(String::new())])).unwrap());
    for (script, name) in EVERY_SCRIPT {
        let pdf = render(&untitled(vec![Block::Heading((*name).into()), Block::Paragraph(name.repeat(20))])).unwrap();
        let dark = ink(&pdf) - blank;
        // Some 8 dark pixels a character at least, at 72 dpi (a letter of 10.5 pt has 15 to 40).
        let least = name.chars().filter(|ch| !ch.is_whitespace()).count() * 21 * 8;
        assert!(dark > least, "{script}: only {dark} dark pixels (< {least}) where {name:?} is");
    }
    // The placeholder box has ink too.
    let boxes = ink(&render(&untitled(vec![Block::Paragraph("\u{E000}".repeat(40))])).unwrap()) - blank;
    assert!(boxes > 40 * 20, "{boxes}");
}

#[test]
fn every_script_renders_the_same_bytes_twice() {
    let blocks: Vec<Block> = EVERY_SCRIPT
        .iter()
        .map(|(script, name)| Block::Field { label: (*script).into(), value: name.repeat(9) })
        .chain([Block::Paragraph("\u{E000} \u{0378}".into())])
        .collect();
    let first = render_with_report(&document(blocks.clone())).unwrap();
    let second = render_with_report(&document(blocks)).unwrap();
    assert!(first == second, "two renders of the same document differ");
}

#[test]
fn chinese_and_japanese_break_between_ideographs() {
    let fonts = shape::fonts().unwrap();
    let text = "王小明和山田花子在诊所见面讨论了睡眠问题以及下周的计划。".repeat(8);
    let wrapped = wrap(&shape::Cached::new(fonts), Face::Regular, 10.5, &text, TEXT_WIDTH);
    assert!(wrapped.len() > 2, "{wrapped:?}");
    for (line, width) in &wrapped {
        assert!(*width <= TEXT_WIDTH + 0.01 && !line.ends_with('-'), "{line} ({width} pt)");
    }
    for (line, width) in &wrapped[..wrapped.len() - 1] {
        // Full: one more ideograph would not have fitted.
        assert!(width + 10.5 * 0.9 > TEXT_WIDTH, "{line} is {width} pt, short of {TEXT_WIDTH}");
    }
    assert_eq!(wrapped.iter().map(|(line, _)| line.as_str()).collect::<String>(), text);
    // Never before the ideographic full stop (UAX #14 keeps it with the ideograph before it).
    assert!(wrapped.iter().all(|(line, _)| !line.starts_with('。')), "{wrapped:?}");
}

#[test]
fn a_long_word_in_any_script_breaks_between_grapheme_clusters() {
    let fonts = shape::fonts().unwrap();
    let measure = shape::Cached::new(fonts);
    for word in ["محمدعبداللهالفاطمي", "שרהכהןלויאברהם", "प्रियंकाक्षत्रियकिरण", "Ångströmŀukasiewicz"]
    {
        let word = word.repeat(6);
        for room in [60.0, 110.0, 200.0] {
            let pieces = wrap(&measure, Face::Regular, 10.5, &word, room);
            assert!(pieces.len() > 1, "{word} in {room}");
            for (piece, width) in &pieces {
                assert!(*width <= room + 0.01, "{piece} is {width} pt > {room}");
                assert!(piece.graphemes(true).count() >= 3, "{piece:?} in {pieces:?}");
            }
            let hyphenated = word.starts_with('Å');
            let joined: String = pieces
                .iter()
                .map(|(piece, _)| if hyphenated { piece.trim_end_matches('-') } else { piece.as_str() })
                .collect();
            assert_eq!(joined, word, "{room}");
            // Every break falls between grapheme clusters.
            let boundaries: BTreeSet<usize> = word.grapheme_indices(true).map(|(at, _)| at).collect();
            let mut at = 0;
            for (piece, _) in &pieces[..pieces.len() - 1] {
                at += if hyphenated { piece.trim_end_matches('-').len() } else { piece.len() };
                assert!(boundaries.contains(&at), "a break inside a cluster of {word}");
            }
        }
    }
}

#[test]
fn marks_are_positioned_on_their_letters() {
    let fonts = shape::fonts().unwrap();
    for vocalised in ["مُحَمَّد", "שָׁלוֹם", "Nguyễn Thị a\u{301}\u{302}\u{303}"] {
        let shaped = fonts.shape_line(Face::Regular, vocalised, None);
        let glyphs: Vec<&shape::Glyph> = shaped.pieces.iter().flat_map(|piece| &piece.glyphs).collect();
        // GPOS moved some mark off the pen position (Arabic harakat, Hebrew niqqud, stacked accents).
        assert!(glyphs.iter().any(|glyph| glyph.y_offset != 0.0 || glyph.x_offset != 0.0), "{vocalised}: {glyphs:?}");
        // Marks take no room of their own.
        assert!(glyphs.iter().any(|glyph| glyph.advance == 0.0), "{vocalised}");
    }
    // Drawn with a text rise, no .notdef, and ink.
    let pdf = render(&untitled(vec![Block::Paragraph("مُحَمَّد שָׁלוֹם ".repeat(20))])).unwrap();
    assert!(drawn_glyphs(&pdf).iter().all(|&glyph| glyph != 0));
    let blank = ink(&render(&untitled(vec![Block::Paragraph(String::new())])).unwrap());
    assert!(ink(&pdf) - blank > 20 * 10 * 10);
}

mod properties {
    use proptest::prelude::*;

    use super::super::layout::{self, wrap_lines, Face, TEXT_WIDTH};
    use super::super::shape;
    use super::*;

    fn any_unicode() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,60}",
            ".{0,80}",
            proptest::collection::vec(any::<char>(), 0..40).prop_map(|chars| chars.into_iter().collect()),
            "[a-zא-ת0-9 ,.()\u{0600}-\u{06FF}\u{0900}-\u{097F}\u{4E00}-\u{4E80}\u{200D}\u{FE0F}\u{0300}-\u{036F}]{0,120}",
        ]
    }

    /// The text with no spaces or hyphens (which line breaks drop or add).
    fn letters(text: &str) -> String {
        text.chars().filter(|&ch| ch != ' ' && ch != '-').collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn layout_of_any_text_fits_the_column_and_keeps_every_character(text in any_unicode(), room in 20.0f32..TEXT_WIDTH) {
            let fonts = shape::fonts().unwrap();
            let measure = shape::Cached::new(fonts);
            for line in text.split('\n') {
                let lines = wrap_lines(&measure, Face::Regular, 10.5, line, room);
                prop_assert!(!lines.is_empty());
                for (line_text, shaped) in &lines {
                    let single = line_text.graphemes(true).count() <= 1;
                    prop_assert!(shaped.width * 10.5 <= room + 0.01 || single, "{:?} is {} pt", line_text, shaped.width * 10.5);
                    let mut pieces = shaped.pieces.clone();
                    pieces.sort_by_key(|piece| piece.start);
                    let carried: String = pieces.iter().map(|piece| piece.text.as_str()).collect();
                    prop_assert_eq!(&carried, line_text, "the pieces carry the line's text");
                    prop_assert!(shaped.pieces.iter().flat_map(|piece| &piece.glyphs).all(|glyph| glyph.id != 0));
                }
                let joined: String = lines.iter().map(|(line_text, _)| line_text.as_str()).collect();
                prop_assert_eq!(letters(&joined), letters(&layout::printable(line)));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        #[test]
        fn any_text_renders_without_notdef_and_reports_what_it_cannot_print(name in any_unicode(), note in any_unicode()) {
            let rendered = render_with_report(&document(vec![
                Block::Heading(name.clone()),
                Block::Field { label: name.clone(), value: note.clone() },
                Block::Paragraph(format!("{note} {name}")),
            ]))
            .unwrap();
            prop_assert!(drawn_glyphs(&rendered.bytes).iter().all(|&glyph| glyph != 0));
            for ch in &rendered.unprintable {
                prop_assert!(name.contains(*ch) || note.contains(*ch));
            }
            let distinct: BTreeSet<char> = rendered.unprintable.iter().copied().collect();
            prop_assert_eq!(distinct.len(), rendered.unprintable.len());
        }
    }
}
