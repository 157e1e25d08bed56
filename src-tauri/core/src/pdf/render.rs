//! Emission: a [`Layout`] to PDF bytes with `printpdf`, deterministically.
//!
//! printpdf names fonts and the trailer's `/ID` with a process-wide counter, so the same document would
//! come out different on a second call: fonts are registered under fixed names here, and the `/ID` is
//! replaced by a hash of the content before the file is written.

use std::collections::BTreeSet;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, TextItem, XObject,
    XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::layout::{Face, Layout, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use super::{subset, Document, Fonts};
use crate::error::{Error, Result};

const PRODUCER: &str = "Saferoom";

fn font_id(face: Face) -> FontId {
    FontId(match face {
        Face::Regular => "F1".to_owned(),
        Face::Bold => "F2".to_owned(),
    })
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

fn page_ops(page_index: usize, page: &super::layout::Page) -> Vec<Op> {
    let mut ops = Vec::with_capacity(page.runs.len() * 6 + page.rules.len() * 2 + 2);
    let mut grey = None;
    for run in &page.runs {
        if grey != Some(run.grey) {
            ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale { percent: run.grey, icc_profile: None }) });
            grey = Some(run.grey);
        }
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(run.face)), size: Pt(run.size) });
        ops.push(Op::SetTextCursor { pos: Point { x: Pt(run.x), y: Pt(run.y) } });
        ops.push(Op::ShowText { items: vec![TextItem::Text(run.text.clone())] });
        ops.push(Op::EndTextSection);
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

/// The face to embed: only the glyphs `layout` uses have outlines. Named with a subset tag
/// (ISO 32000-1, 9.6.4), which printpdf adds only when it subsets itself.
fn subset_font(fonts: &Fonts, layout: &Layout, face: Face) -> Result<ParsedFont> {
    let full = fonts.face(face);
    let glyphs: BTreeSet<u16> = layout
        .pages
        .iter()
        .flat_map(|page| &page.runs)
        .filter(|run| run.face == face)
        .flat_map(|run| run.text.chars())
        .filter_map(|ch| full.lookup_glyph_index(u32::from(ch)))
        .collect();
    let mut font = full.clone();
    font.original_bytes = subset::subset(&full.original_bytes, &glyphs)
        .map_err(|error| Error::Render(format!("could not subset the bundled font: {error}")))?;
    font.font_name = Some(
        match face {
            Face::Regular => "SRMREG+DejaVuSans",
            Face::Bold => "SRMBLD+DejaVuSans-Bold",
        }
        .to_owned(),
    );
    Ok(font)
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
    for face in [Face::Regular, Face::Bold] {
        pdf.resources.fonts.map.insert(font_id(face), PdfFont::new(subset_font(fonts, layout, face)?));
    }
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
            PdfPage::new(printpdf::Mm(PAGE_WIDTH_MM), printpdf::Mm(PAGE_HEIGHT_MM), page_ops(index, page))
        })
        .collect();
    pdf.with_pages(pages);

    // printpdf's own subsetting needs its `text_layout` feature; the fonts are subset above instead.
    let options = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
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
