//! Emission: a [`Layout`] to PDF bytes with `printpdf`, deterministically.
//!
//! printpdf names fonts and the trailer's `/ID` with a process-wide counter, so the same document would
//! come out different on a second call: fonts are registered under fixed names here, and the `/ID` is
//! replaced by a hash of the content before the file is written.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Codepoint, Color, DictItem, FontId, FontMetrics, FontType, Greyscale, Line, LinePoint, Op, ParsedFont, PdfDocument,
    PdfFont, PdfFontHandle, PdfFontMetricsStub, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, RawImage,
    RawImageData, RawImageFormat, TextItem, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::layout::{Face, Layout, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use super::shape::{FontIx, Fonts, Piece, FACES};
use super::subset::{self, Subset};
use super::Document;
use crate::error::{Error, Result};

const PRODUCER: &str = "Saferoom";

fn font_id(font: FontIx) -> FontId {
    FontId(format!("F{}", font.0 + 1))
}

/// printpdf's own date type, in UTC (it writes every date with a `+00'00'` offset).
fn pdf_date(at: OffsetDateTime) -> Result<printpdf::OffsetDateTime> {
    printpdf::OffsetDateTime::from_unix_timestamp(at.unix_timestamp())
        .map_err(|error| Error::Render(format!("unusable created_at: {error}")))
}

/// The name of the `index`-th picture of page `page` (fixed, like the fonts', so output is deterministic).
fn image_id(page: usize, index: usize) -> XObjectId {
    XObjectId(format!("Im{page}x{index}"))
}

/// A picture as printpdf wants it; a bitmap whose size does not match its pixels prints as a white box.
fn raw_image(image: &super::GreyImage) -> RawImage {
    let (width, height) = (image.width.max(1) as usize, image.height.max(1) as usize);
    let pixels = if image.pixels.len() == width * height { image.pixels.clone() } else { vec![255; width * height] };
    RawImage { pixels: RawImageData::U8(pixels), width, height, data_format: RawImageFormat::R8, tag: Vec::new() }
}

/// The extraction text of each glyph: the first text any of its occurrences stands for (a glyph drawn
/// as the second glyph of a cluster stands for nothing), so the one `/ToUnicode` entry of a glyph is the
/// same whichever occurrence printpdf sees last.
type GlyphTexts = BTreeMap<(FontIx, u16), String>;

fn glyph_texts(layout: &Layout) -> GlyphTexts {
    let mut texts = GlyphTexts::new();
    for piece in layout.pages.iter().flat_map(|page| &page.runs).flat_map(|run| &run.pieces) {
        for glyph in &piece.glyphs {
            let text = texts.entry((piece.font, glyph.id)).or_default();
            if text.is_empty() {
                text.clone_from(&glyph.text);
            }
        }
    }
    texts
}

/// A `/Span` marked-content sequence whose `/ActualText` is `text`, so text extraction gives the
/// logical order (and the text itself) whatever the glyphs' visual order.
fn actual_text(text: &str) -> Op {
    let mut data = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        data.extend_from_slice(&unit.to_be_bytes());
    }
    let map = BTreeMap::from([("ActualText".to_owned(), DictItem::String { data, literal: false })]);
    Op::BeginMarkedContentWithProperties { tag: "Span".to_owned(), properties: DictItem::Dict { map } }
}

/// The ops drawing one piece (glyphs of one face, left to right) with its left end at `x`.
fn piece_ops(ops: &mut Vec<Op>, piece: &Piece, x: f32, y: f32, size: f32, embedded: &Embedded, texts: &GlyphTexts) {
    let Some((subset, upem)) = embedded.get(&piece.font) else {
        return;
    };
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(piece.font)), size: Pt(size) });
    // One pen across the piece: each glyph's shaped advance and offsets are the difference between its
    // /W width and the TJ adjustment after it. Glyphs raised or lowered (marks) go in their own TJ after
    // a text rise (`Ts`), so the pen goes on and the text stays one word for extractors.
    let glyphs = &piece.glyphs;
    let first_offset = glyphs.first().map_or(0.0, |glyph| glyph.x_offset);
    ops.push(Op::SetTextCursor { pos: Point { x: Pt(x + first_offset * size), y: Pt(y) } });
    let mut rise = 0.0f32;
    let mut index = 0;
    while index < glyphs.len() {
        let y_offset = glyphs[index].y_offset;
        let end = (index..glyphs.len()).find(|&k| glyphs[k].y_offset != y_offset).unwrap_or(glyphs.len());
        if y_offset != rise {
            ops.push(Op::Unknown { key: "Ts".to_owned(), value: vec![DictItem::Real(y_offset * size)] });
            rise = y_offset;
        }
        let mut items = Vec::with_capacity(end - index);
        for k in index..end {
            let glyph = &glyphs[k];
            let id = subset.new_id(glyph.id);
            // Where the viewer's pen goes after the glyph (its /W width, as printpdf writes it) and
            // where the next one must start, in thousandths of an em (positive moves left).
            let width = subset.advances.get(usize::from(id)).map_or(0.0, |&w| (f32::from(w) * 1000.0 / upem).trunc());
            let offset = match glyphs.get(k + 1) {
                Some(next) => width - (glyph.advance + next.x_offset - glyph.x_offset) * 1000.0,
                None => 0.0,
            };
            let text = texts.get(&(piece.font, glyph.id)).cloned().unwrap_or_default();
            items.push(Codepoint { gid: id, offset: if offset.abs() < 0.01 { 0.0 } else { offset }, cid: Some(text) });
        }
        ops.push(Op::ShowText { items: vec![TextItem::GlyphIds(items)] });
        index = end;
    }
    if rise != 0.0 {
        ops.push(Op::Unknown { key: "Ts".to_owned(), value: vec![DictItem::Real(0.0)] });
    }
    ops.push(Op::EndTextSection);
}

fn page_ops(page_index: usize, page: &super::layout::Page, embedded: &Embedded, texts: &GlyphTexts) -> Vec<Op> {
    let mut ops = Vec::with_capacity(page.runs.len() * 8 + page.rules.len() * 2 + 2);
    let mut grey = None;
    for run in &page.runs {
        if run.pieces.iter().all(|piece| piece.glyphs.is_empty()) {
            continue;
        }
        if grey != Some(run.grey) {
            ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale { percent: run.grey, icc_profile: None }) });
            grey = Some(run.grey);
        }
        for piece in &run.pieces {
            if piece.glyphs.is_empty() {
                continue;
            }
            // Left-to-right pieces carry their text (Devanagari draws some vowel signs before the
            // consonant they follow). Right-to-left ones do not: extractors (poppler, pdf.js) read
            // right-to-left glyphs in visual order and reverse them, and would reverse an
            // /ActualText too; their glyphs' own /ToUnicode text is in visual order instead.
            if !piece.rtl {
                ops.push(actual_text(&piece.text));
            }
            piece_ops(&mut ops, piece, run.x + piece.x * run.size, run.y, run.size, embedded, texts);
            if !piece.rtl {
                ops.push(Op::EndMarkedContent);
            }
        }
    }
    for rule in &page.rules {
        ops.push(Op::SetOutlineThickness { pt: Pt(rule.thickness) });
        let point = |x: f32| LinePoint { p: Point { x: Pt(x), y: Pt(rule.y) }, bezier: false };
        ops.push(Op::DrawLine { line: Line { points: vec![point(rule.x1), point(rule.x2)], is_closed: false } });
    }
    for (index, placed) in page.images.iter().enumerate() {
        let width_px = placed.image.width.max(1) as f32;
        ops.push(Op::UseXobject {
            id: image_id(page_index, index),
            transform: XObjectTransform {
                translate_x: Some(Pt(placed.x)),
                translate_y: Some(Pt(placed.y)),
                // At this resolution the bitmap is `width` points wide; its height follows its shape.
                dpi: Some(width_px * 72.0 / placed.width.max(0.1)),
                ..XObjectTransform::default()
            },
        });
    }
    ops
}

/// A stable identifier for the file's `/ID`: the same for the same content, 32 characters like
/// printpdf's own.
fn content_id(document: &Document, layout: &Layout) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in [document.title.as_str(), document.created_at.as_str()] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    for page in &layout.pages {
        hash.update(b"page");
        for run in &page.runs {
            hash.update(run.x.to_le_bytes());
            hash.update(run.y.to_le_bytes());
            hash.update(run.size.to_le_bytes());
            hash.update([matches!(run.face, Face::Bold) as u8]);
            hash.update((run.text.len() as u64).to_le_bytes());
            hash.update(run.text.as_bytes());
        }
        for rule in &page.rules {
            hash.update(rule.y.to_le_bytes());
        }
        for image in &page.images {
            for number in [image.x, image.y, image.width, image.height] {
                hash.update(number.to_le_bytes());
            }
            hash.update(image.image.width.to_le_bytes());
            hash.update(&image.image.pixels);
        }
    }
    hex::encode_upper(&hash.finalize()[..16]).into_bytes()
}

/// The embedded faces: each used face's subset and its units per em.
type Embedded = BTreeMap<FontIx, (Subset, f32)>;

/// Subset tags (ISO 32000-1, 9.6.4), one per bundled face, in [`FACES`] order.
const TAGS: [&str; 10] =
    ["SRMREG", "SRMBLD", "SRMHER", "SRMHEB", "SRMARR", "SRMARB", "SRMDER", "SRMDEB", "SRMCJK", "SRMEMO"];

/// The subsets of the faces `layout` uses: only the glyphs it draws.
fn subsets(fonts: &Fonts, layout: &Layout) -> Result<Embedded> {
    let mut used: BTreeMap<FontIx, BTreeSet<u16>> = BTreeMap::new();
    for piece in layout.pages.iter().flat_map(|page| &page.runs).flat_map(|run| &run.pieces) {
        used.entry(piece.font).or_default().extend(piece.glyphs.iter().map(|glyph| glyph.id));
    }
    used.into_iter()
        .filter(|(_, glyphs)| !glyphs.is_empty())
        .map(|(font, glyphs)| {
            let subset = subset::subset(FACES[usize::from(font.0)].bytes, &glyphs)
                .map_err(|error| Error::Render(format!("could not subset a bundled font: {error}")))?;
            Ok((font, (subset, fonts.faces[usize::from(font.0)].upem)))
        })
        .collect()
}

/// The face as printpdf embeds it: the subset's bytes, widths and the face's metrics.
fn pdf_font(fonts: &Fonts, font: FontIx, subset: &Subset) -> PdfFont {
    let face = &fonts.faces[usize::from(font.0)].face;
    let units_per_em = u16::try_from(face.units_per_em()).unwrap_or(1000);
    let bbox = face.global_bounding_box();
    let parsed = ParsedFont {
        original_bytes: subset.bytes.clone(),
        font_index: 0,
        font_name: Some(format!("{}+{}", TAGS[usize::from(font.0)], FACES[usize::from(font.0)].name)),
        codepoint_to_glyph: BTreeMap::new(),
        glyph_widths: subset.advances.iter().enumerate().map(|(id, &width)| (id as u16, width)).collect(),
        units_per_em,
        font_metrics: FontMetrics { ascent: face.ascender(), descent: face.descender() },
        font_type: FontType::TrueType,
        pdf_font_metrics: PdfFontMetricsStub {
            units_per_em,
            x_min: bbox.x_min,
            y_min: bbox.y_min,
            x_max: bbox.x_max,
            y_max: bbox.y_max,
            caret_slope_rise: 1,
            caret_slope_run: 0,
            us_weight_class: face.weight().to_number(),
        },
    };
    PdfFont::new(parsed)
}

/// Writes `layout` as a PDF.
pub(super) fn emit(document: &Document, layout: &Layout, fonts: &Fonts, created_at: OffsetDateTime) -> Result<Vec<u8>> {
    let date = pdf_date(created_at)?;
    let mut pdf = PdfDocument::new(document.title.trim());
    let info = &mut pdf.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.producer = PRODUCER.to_owned();
    info.creator = PRODUCER.to_owned();
    info.keywords = document.keywords.clone();
    let embedded = subsets(fonts, layout)?;
    for (font, (subset, _)) in &embedded {
        pdf.resources.fonts.map.insert(font_id(*font), pdf_font(fonts, *font, subset));
    }
    let texts = glyph_texts(layout);
    for (page_index, page) in layout.pages.iter().enumerate() {
        for (index, placed) in page.images.iter().enumerate() {
            pdf.resources.xobjects.map.insert(image_id(page_index, index), XObject::Image(raw_image(&placed.image)));
        }
    }
    let pages = layout
        .pages
        .iter()
        .enumerate()
        .map(|(index, page)| {
            PdfPage::new(
                printpdf::Mm(PAGE_WIDTH_MM),
                printpdf::Mm(PAGE_HEIGHT_MM),
                page_ops(index, page, &embedded, &texts),
            )
        })
        .collect();
    pdf.with_pages(pages);

    // printpdf's own subsetting needs its `text_layout` feature; the fonts are subset above instead.
    // `secure: false` only lets `Op::Unknown` through: the text rise (`Ts`) printpdf has no op for.
    let options = PdfSaveOptions { optimize: true, subset_fonts: false, secure: false, image_optimization: None };
    let mut warnings = Vec::new();
    let mut lopdf = pdf.to_lopdf_document(&options, &mut warnings);
    if let Some(error) = warnings.iter().find(|warning| warning.severity == PdfParseErrorSeverity::Error) {
        return Err(Error::Render(error.msg.clone()));
    }
    let id = content_id(document, layout);
    let ids = lopdf
        .trailer
        .get_mut(b"ID")
        .and_then(|object| object.as_array_mut())
        .map_err(|error| Error::Render(format!("the PDF has no /ID to make deterministic: {error}")))?;
    for entry in ids.iter_mut() {
        *entry.as_str_mut().map_err(|error| Error::Render(format!("unexpected /ID entry: {error}")))? = id.clone();
    }
    // printpdf always writes a `GTS_PDFXVersion`, which claims PDF/X conformance this file does not have.
    if let Ok(info) = lopdf.trailer.get(b"Info").and_then(|info| info.as_reference()) {
        if let Ok(info) = lopdf.get_object_mut(info).and_then(|info| info.as_dict_mut()) {
            for key in [&b"GTS_PDFXVersion"[..], b"Identifier", b"Trapped"] {
                info.remove(key);
            }
        }
    }
    lopdf.compress();
    let mut bytes = Vec::new();
    lopdf.save_to(&mut bytes).map_err(|error| Error::Render(format!("could not write the PDF: {error}")))?;
    Ok(bytes)
}
