//! PDF export with Typst embedded as a library, and the trend chart drawn by the same means.
//!
//! The templates (`templates/briefing.typ`, and `trend.typ` which it imports; compiled into the
//! binary) read the briefing as JSON from a virtual file; article text is therefore data, never
//! markup. The chart alone (`trend-page.typ`) gives [`chart_svg`] and [`chart_png`]: the same
//! drawing as in the PDF. Lead images are virtual files too (`/images/<sha256>.<ext>`, the paths
//! the JSON names), served from the briefing's bytes; the world answers nothing else. Fonts come
//! only from
//! Clipdesk's own font directory (see `fonts/README.md`), indexed once per process and loaded
//! lazily: indexing the CJK collection costs a noticeable fraction of a second, loading a face
//! is paid only if a briefing uses it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::digest::build::Briefing;
use crate::error::{Error, Result};
use crate::trends::Trends;

const TEMPLATE: &str = include_str!("../../../templates/briefing.typ");
/// The trend chart, imported by the briefing and by the chart's own page.
const TREND: &str = include_str!("../../../templates/trend.typ");
const TREND_PAGE: &str = include_str!("../../../templates/trend-page.typ");

/// Where Clipdesk's fonts are: `$CLIPDESK_FONTS`, a `fonts` directory beside the executable (or in
/// `../share/clipdesk/`, `../lib/clipdesk/` or `../lib/Clipdesk/` from it, as packages install), else the source tree's.
pub fn font_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CLIPDESK_FONTS") {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(bin) = exe.parent() {
            for candidate in [
                bin.join("fonts"),
                bin.join("../share/clipdesk/fonts"),
                bin.join("../lib/clipdesk/fonts"),
                bin.join("../lib/Clipdesk/fonts"),
            ] {
                if candidate.join("NotoSerif-Regular.ttf").is_file() {
                    return candidate;
                }
            }
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"))
}

/// A font file face, loaded on first use.
struct Slot {
    path: PathBuf,
    index: u32,
    font: OnceLock<Option<Font>>,
}

/// The indexed fonts of a directory.
pub struct Fonts {
    book: LazyHash<FontBook>,
    slots: Vec<Slot>,
}

impl Fonts {
    /// Indexes every .ttf, .otf, .ttc and .otc file of `dir`.
    pub fn index(dir: &Path) -> Result<Self> {
        let mut book = FontBook::new();
        let mut slots = Vec::new();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| Error::Io { path: dir.to_owned(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc"))
            })
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
            for (index, info) in FontInfo::iter(&data).enumerate() {
                book.push(info);
                slots.push(Slot { path: path.clone(), index: index as u32, font: OnceLock::new() });
            }
        }
        if slots.is_empty() {
            return Err(Error::input("export.fonts", format!("no fonts in {}", dir.display())));
        }
        Ok(Fonts { book: LazyHash::new(book), slots })
    }

    /// The process-wide fonts of [`font_dir`], indexed once.
    pub fn shared() -> Result<&'static Fonts> {
        static SHARED: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Fonts::index(&font_dir()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::input("export.fonts", e.clone()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| {
                let data = std::fs::read(&slot.path).ok()?;
                Font::new(Bytes::new(data), slot.index)
            })
            .clone()
    }

    /// The family names available, for diagnostics and tests.
    pub fn families(&self) -> Vec<String> {
        let mut names: Vec<String> = self.book.families().map(|(name, _)| name.to_owned()).collect();
        names.dedup();
        names
    }
}

/// The Typst world of one document: its main source and the sources it imports, its JSON data,
/// the fonts.
struct TemplateWorld {
    library: LazyHash<Library>,
    fonts: &'static Fonts,
    main: FileId,
    /// The main source first.
    sources: Vec<Source>,
    data_id: FileId,
    data: Bytes,
    /// The lead images the briefing shows, by file: their bytes, never markup.
    images: std::collections::HashMap<FileId, Bytes>,
}

impl World for TemplateWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .iter()
            .find(|s| s.id() == id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(PathBuf::from("template")))
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if let Some(source) = self.sources.iter().find(|s| s.id() == id) {
            Ok(Bytes::from_string(source.text().to_owned()))
        } else if let Some(image) = self.images.get(&id) {
            Ok(image.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        let now = chrono::Utc::now().date_naive();
        use chrono::Datelike;
        Datetime::from_ymd(now.year(), now.month() as u8, now.day() as u8)
    }
}

fn file_id(path: &str) -> Result<FileId> {
    let vpath =
        VirtualPath::new(path).map_err(|e| Error::input("export.pdf", format!("bad virtual path {path}: {e:?}")))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

/// Typesets a briefing to PDF bytes.
pub fn render(briefing: &Briefing) -> Result<Vec<u8>> {
    typeset(briefing, |document| typst_pdf::pdf(document, &typst_pdf::PdfOptions::default()).map_err(diagnostics))
}

/// Typesets a briefing and returns its pages as SVG documents (the builder's live preview shows
/// exactly what the PDF will be). At most `max_pages` pages.
pub fn preview(briefing: &Briefing, max_pages: usize) -> Result<Vec<String>> {
    typeset(briefing, |document| {
        Ok(document
            .pages()
            .iter()
            .take(max_pages)
            .map(|page| typst_svg::svg(page, &typst_svg::SvgOptions::default()))
            .collect())
    })
}

/// A trend chart alone, as the briefing's PDF draws it, in an SVG document.
pub fn chart_svg(trends: &Trends) -> Result<String> {
    typeset_chart(trends, |page| Ok(typst_svg::svg(page, &typst_svg::SvgOptions::default())))
}

/// A trend chart alone as a PNG image: its bytes, width and height in pixels.
pub fn chart_png(trends: &Trends, pixels_per_point: f32) -> Result<(Vec<u8>, u32, u32)> {
    let scale = f64::from(pixels_per_point.clamp(0.5, 8.0));
    typeset_chart(trends, |page| {
        let options =
            typst_render::RenderOptions { pixel_per_pt: typst::utils::Scalar::new(scale), ..Default::default() };
        let pixmap = typst_render::render(page, &options);
        let png = pixmap.encode_png().map_err(|e| Error::input("export.pdf", format!("cannot encode the PNG: {e}")))?;
        Ok((png, pixmap.width(), pixmap.height()))
    })
}

fn typeset_chart<T>(trends: &Trends, output: impl FnOnce(&typst_layout::Page) -> Result<T>) -> Result<T> {
    let json = serde_json::to_vec(trends).map_err(|e| Error::input("export.pdf", e.to_string()))?;
    typeset_template("/trend-page.typ", TREND_PAGE, "/trends.json", json, Default::default(), |document| match document
        .pages()
        .first()
    {
        Some(page) => output(page),
        None => Err(Error::input("export.pdf", "the chart has no page")),
    })
}

fn typeset<T>(briefing: &Briefing, output: impl FnOnce(&PagedDocument) -> Result<T>) -> Result<T> {
    let json = serde_json::to_vec(briefing).map_err(|e| Error::input("export.pdf", e.to_string()))?;
    let mut images = std::collections::HashMap::new();
    for (path, image) in &briefing.images {
        images.insert(file_id(path)?, Bytes::new(image.data.as_ref().clone()));
    }
    typeset_template("/briefing.typ", TEMPLATE, "/briefing.json", json, images, output)
}

/// Compiles a template (which may import `trend.typ`) with its data and the files it shows.
fn typeset_template<T>(
    main_path: &str,
    main_text: &str,
    data_path: &str,
    data: Vec<u8>,
    images: std::collections::HashMap<FileId, Bytes>,
    output: impl FnOnce(&PagedDocument) -> Result<T>,
) -> Result<T> {
    let fonts = Fonts::shared()?;
    let main = file_id(main_path)?;
    let world = TemplateWorld {
        library: LazyHash::new(Library::default()),
        fonts,
        main,
        sources: vec![Source::new(main, main_text.to_owned()), Source::new(file_id("/trend.typ")?, TREND.to_owned())],
        data_id: file_id(data_path)?,
        data: Bytes::new(data),
        images,
    };
    // One export at a time: Typst's memoization caches are process-wide, and a briefing is a
    // user's action, not a hot path.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let result = match typst::compile::<PagedDocument>(&world).output {
        Ok(document) => output(&document),
        Err(errors) => Err(diagnostics(errors)),
    };
    // A long-running app must not keep every past briefing's layout in memory.
    typst::comemo::evict(10);
    result
}

fn diagnostics(errors: impl IntoIterator<Item = SourceDiagnostic>) -> Error {
    let messages: Vec<String> = errors.into_iter().map(|d| d.message.to_string()).collect();
    Error::input("export.pdf", format!("typesetting failed: {}", messages.join("; ")))
}
