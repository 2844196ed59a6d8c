//! Attachment bytes on disk under the data directory, content-addressed by SHA-256:
//! `attachments/ab/abcd…` (the first two hex digits name the subdirectory).
//!
//! The content type is never taken on trust: it is detected from the bytes (`infer`) and
//! checked against an allowlist of images, PDF, video, ZIP and plain text (text, CSV,
//! JSON). A declared type that disagrees with the bytes is refused, and so is markup (HTML,
//! SVG, XML: script risk), executables and unknown binary data. Files are written to a
//! temporary file in the target directory and renamed into place, so a reader never sees a
//! partial file; identical content is stored once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::problem::Problem;

/// Largest attachment accepted unless configured otherwise.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// Longest file name kept, in characters.
pub(crate) const MAX_FILE_NAME_CHARS: usize = 200;

/// The name of the attachment directory inside the data directory.
const ATTACHMENTS_DIR: &str = "attachments";

/// Detected types that are stored as they are.
const ALLOWED_BINARY_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/zip",
];

/// File-name extensions refused whatever the bytes are: markup and scripts a browser or a
/// desktop would run when the downloaded file is opened (a polyglot PNG named `.html`).
const REFUSED_EXTENSIONS: &[&str] = &[
    "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "hta",
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "wsf", "jar", "sh",
    "apk", "app", "lnk",
];

/// Declared types that say nothing about the content.
const UNINFORMATIVE_TYPES: &[&str] = &["", "application/octet-stream", "binary/octet-stream"];

/// Declared types browsers send for plain text files (CSV on Windows is "Excel").
const TEXT_DECLARED_TYPES: &[&str] = &[
    "text/plain",
    "text/csv",
    "text/x-csv",
    "text/comma-separated-values",
    "application/csv",
    "application/vnd.ms-excel",
    "application/json",
    "text/json",
];

/// Attachment storage: `root` is `<data dir>/attachments`.
#[derive(Debug, Clone)]
pub(crate) struct AttachmentFiles {
    /// `<data dir>/attachments`.
    root: PathBuf,
}

/// A stored attachment, as the database records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedFile {
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// The detected content type (one of the allowlist).
    pub content_type: String,
    /// Where the bytes are, relative to the data directory: `attachments/ab/abcd…`.
    pub storage_path: String,
    /// The sanitised file name to show and to offer on download.
    pub file_name: String,
}

/// Why an attachment was refused or could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AttachmentError {
    /// No bytes.
    #[error("the attachment is empty")]
    Empty,
    /// More bytes than allowed.
    #[error("the attachment has {size} bytes; at most {max} are accepted")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A type not on the allowlist (or a refused file-name extension).
    #[error("attachments of type {detected} are not accepted")]
    UnsupportedType {
        /// What the bytes (or the name) are.
        detected: String,
    },
    /// The declared type is not what the bytes are.
    #[error("the attachment was declared as {declared} but its content is {detected}")]
    TypeMismatch {
        /// The type the client declared.
        declared: String,
        /// What the bytes are.
        detected: String,
    },
    /// A storage path that is not inside the attachment directory.
    #[error("invalid attachment storage path {0:?}")]
    InvalidPath(String),
    /// The file system failed.
    #[error("attachment storage failed: {0}")]
    Io(#[from] std::io::Error),
}

impl AttachmentError {
    /// The stable code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            AttachmentError::Empty => "attachment.empty",
            AttachmentError::TooLarge { .. } => "attachment.too_large",
            AttachmentError::UnsupportedType { .. } => "attachment.unsupported_type",
            AttachmentError::TypeMismatch { .. } => "attachment.type_mismatch",
            AttachmentError::InvalidPath(_) => "attachment.invalid_path",
            AttachmentError::Io(_) => "attachment.io",
        }
    }
}

impl From<AttachmentError> for Problem {
    fn from(e: AttachmentError) -> Problem {
        match e {
            AttachmentError::Empty
            | AttachmentError::UnsupportedType { .. }
            | AttachmentError::TypeMismatch { .. } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            }
            AttachmentError::TooLarge { .. } => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), e.to_string())
            }
            // Storage paths come from the database, not the client: a bad one is our fault.
            AttachmentError::InvalidPath(_) | AttachmentError::Io(_) => Problem::internal(&e),
        }
    }
}

/// Distinguishes the temporary files of concurrent saves in this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl AttachmentFiles {
    /// Storage under `data_dir/attachments` (created on the first save).
    pub(crate) fn new(data_dir: &Path) -> Self {
        AttachmentFiles {
            root: data_dir.join(ATTACHMENTS_DIR),
        }
    }

    /// Checks and stores an attachment: refuses empty and oversized files, detects the
    /// content type from the bytes, refuses it when it is not allowed or disagrees with
    /// `declared_type` (`None` and `application/octet-stream` declare nothing), and writes
    /// the bytes atomically under their SHA-256 (keeping an existing identical file).
    pub(crate) async fn save(
        &self,
        bytes: &[u8],
        declared_type: Option<&str>,
        file_name: &str,
        max_bytes: usize,
    ) -> Result<SavedFile, AttachmentError> {
        if bytes.is_empty() {
            return Err(AttachmentError::Empty);
        }
        if bytes.len() > max_bytes {
            return Err(AttachmentError::TooLarge {
                size: bytes.len(),
                max: max_bytes,
            });
        }
        let size = i64::try_from(bytes.len()).map_err(|_| AttachmentError::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        })?;
        let file_name = sanitize_file_name(file_name);
        let content_type = check_content_type(bytes, declared_type, &file_name)?;

        let sha256 = hex(&Sha256::digest(bytes));
        let shard = &sha256[..2];
        let dir = self.root.join(shard);
        let path = dir.join(&sha256);
        let storage_path = format!("{ATTACHMENTS_DIR}/{shard}/{sha256}");
        let saved = SavedFile {
            sha256: sha256.clone(),
            size,
            content_type: content_type.to_owned(),
            storage_path,
            file_name,
        };
        if tokio::fs::try_exists(&path).await? {
            return Ok(saved);
        }
        tokio::fs::create_dir_all(&dir).await?;
        let temp = dir.join(format!(
            ".{sha256}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        if let Err(e) = write_then_rename(&temp, &path, bytes).await {
            // Best effort: the temporary file may not exist.
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e.into());
        }
        Ok(saved)
    }

    /// The bytes stored at `storage_path` (as [`SavedFile::storage_path`] gave it). Refuses
    /// paths that are absolute, contain `..` or `.`, or lie outside the attachment
    /// directory.
    pub(crate) async fn read(&self, storage_path: &str) -> Result<Vec<u8>, AttachmentError> {
        let path = self.resolve(storage_path)?;
        Ok(tokio::fs::read(path).await?)
    }

    /// The file for a storage path, checked to stay inside the attachment directory: `/`
    /// separated segments, the first `attachments`, none of the rest empty, `.`, `..`, or
    /// containing a backslash or NUL.
    fn resolve(&self, storage_path: &str) -> Result<PathBuf, AttachmentError> {
        let invalid = || AttachmentError::InvalidPath(storage_path.to_owned());
        let mut segments = storage_path.split('/');
        if segments.next() != Some(ATTACHMENTS_DIR) {
            return Err(invalid());
        }
        let mut path = self.root.clone();
        let mut depth = 0;
        for segment in segments {
            if segment.is_empty()
                || segment == "."
                || segment == ".."
                || segment.contains(['\\', '\0'])
            {
                return Err(invalid());
            }
            path.push(segment);
            depth += 1;
        }
        if depth == 0 {
            return Err(invalid());
        }
        Ok(path)
    }
}

/// Writes `bytes` to a new `temp` file, flushes it to disk and renames it to `path`.
async fn write_then_rename(temp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(temp, path).await
}

/// Lower-case hex of some bytes.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// A file name safe to store and show: the last path segment, without control characters
/// or path separators, trimmed, at most [`MAX_FILE_NAME_CHARS`] characters (keeping the
/// extension where possible), and `attachment` when nothing is left.
pub(crate) fn sanitize_file_name(name: &str) -> String {
    // Browsers (old IE) send full client paths: keep the last segment.
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '\u{202e}' | '\u{202d}'))
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    if cleaned.is_empty() {
        return String::from("attachment");
    }
    let count = cleaned.chars().count();
    if count <= MAX_FILE_NAME_CHARS {
        return cleaned.to_owned();
    }
    // Too long: shorten the stem, keep a short extension.
    let extension = cleaned
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 16);
    match extension {
        Some(ext) => {
            let keep = MAX_FILE_NAME_CHARS - ext.chars().count() - 1;
            let stem: String = cleaned.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => cleaned
            .chars()
            .take(MAX_FILE_NAME_CHARS)
            .collect::<String>()
            .trim_end()
            .to_owned(),
    }
}

/// The lower-case extension of a file name, if it has one.
fn extension(file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// What the bytes are: an `infer` type, plain text (with the type chosen for it), or
/// unknown.
fn detect(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    if let Some(kind) = infer::get(bytes) {
        return Some(kind.mime_type());
    }
    let text = std::str::from_utf8(bytes).ok()?;
    if text.contains('\0') {
        return None;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<') {
        // Markup: HTML, SVG, XML that `infer` did not recognise. Script risk.
        return Some("text/markup");
    }
    Some(match extension(file_name).as_deref() {
        Some("csv") => "text/csv",
        Some("json") if serde_json::from_slice::<serde_json::Value>(bytes).is_ok() => {
            "application/json"
        }
        _ => "text/plain",
    })
}

/// Whether a detected type is one of the plain-text kinds.
fn is_text(content_type: &str) -> bool {
    matches!(content_type, "text/plain" | "text/csv" | "application/json")
}

/// The content type to store, or why the attachment is refused.
fn check_content_type(
    bytes: &[u8],
    declared_type: Option<&str>,
    file_name: &str,
) -> Result<&'static str, AttachmentError> {
    let detected = detect(bytes, file_name);
    let detected_name = detected.unwrap_or("unknown binary data");
    if let Some(declared) = declared_type.map(normalize_type)
        && !UNINFORMATIVE_TYPES.contains(&declared.as_str())
    {
        let agrees = match detected {
            Some(d) if is_text(d) => TEXT_DECLARED_TYPES.contains(&declared.as_str()),
            Some(d) => declared == d,
            None => false,
        };
        if !agrees {
            return Err(AttachmentError::TypeMismatch {
                declared,
                detected: detected_name.to_owned(),
            });
        }
    }
    let allowed = match detected {
        Some(d) if is_text(d) || ALLOWED_BINARY_TYPES.contains(&d) => d,
        _ => {
            return Err(AttachmentError::UnsupportedType {
                detected: detected_name.to_owned(),
            });
        }
    };
    if let Some(ext) = extension(file_name)
        && REFUSED_EXTENSIONS.contains(&ext.as_str())
    {
        return Err(AttachmentError::UnsupportedType {
            detected: format!(".{ext} files"),
        });
    }
    Ok(allowed)
}

/// A declared media type without parameters, lower case, with common aliases resolved.
fn normalize_type(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/jpg" | "image/pjpeg" => String::from("image/jpeg"),
        "application/x-zip-compressed" | "application/x-zip" => String::from("application/zip"),
        "application/x-pdf" => String::from("application/pdf"),
        _ => essence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0";

    fn files() -> (tempfile::TempDir, AttachmentFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = AttachmentFiles::new(dir.path());
        (dir, files)
    }

    #[tokio::test]
    async fn png_is_saved_and_read_back() {
        let (dir, files) = files();
        let saved = files
            .save(
                PNG,
                Some("image/png"),
                "shot.png",
                DEFAULT_MAX_ATTACHMENT_BYTES,
            )
            .await
            .unwrap();
        assert_eq!("image/png", saved.content_type);
        assert_eq!(PNG.len() as i64, saved.size);
        assert_eq!(hex(&Sha256::digest(PNG)), saved.sha256);
        assert_eq!(
            format!("attachments/{}/{}", &saved.sha256[..2], saved.sha256),
            saved.storage_path
        );
        assert!(dir.path().join(&saved.storage_path).is_file());
        let back = files.read(&saved.storage_path).await.unwrap();
        assert_eq!(PNG, back.as_slice());
        assert_eq!(saved.sha256, hex(&Sha256::digest(&back)));

        // Saving the same bytes again keeps the one file and leaves no temporary file.
        let again = files
            .save(PNG, None, "other.png", DEFAULT_MAX_ATTACHMENT_BYTES)
            .await
            .unwrap();
        assert_eq!(saved.storage_path, again.storage_path);
        assert_eq!("other.png", again.file_name);
        let shard = dir.path().join("attachments").join(&saved.sha256[..2]);
        assert_eq!(1, std::fs::read_dir(shard).unwrap().count());
    }

    #[tokio::test]
    async fn octet_stream_or_no_declared_type_uses_the_detected_one() {
        let (_dir, files) = files();
        for declared in [None, Some("application/octet-stream"), Some("")] {
            let saved = files.save(PDF, declared, "doc.pdf", 1024).await.unwrap();
            assert_eq!("application/pdf", saved.content_type);
        }
        let saved = files
            .save(PDF, Some("Application/PDF; name=x"), "doc.pdf", 1024)
            .await
            .unwrap();
        assert_eq!("application/pdf", saved.content_type);
    }

    #[tokio::test]
    async fn executable_is_refused() {
        let (dir, files) = files();
        let e = files.save(ELF, None, "tool", 1024).await.unwrap_err();
        assert_eq!("attachment.unsupported_type", e.code());
        let e = files
            .save(ELF, Some("application/octet-stream"), "tool.png", 1024)
            .await
            .unwrap_err();
        assert_eq!("attachment.unsupported_type", e.code());
        let mz = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        let e = files.save(mz, None, "setup.exe", 1024).await.unwrap_err();
        assert_eq!("attachment.unsupported_type", e.code());
        // Nothing was written.
        assert!(!dir.path().join("attachments").exists());
    }

    #[tokio::test]
    async fn declared_type_mismatch_is_refused() {
        let (_dir, files) = files();
        let e = files
            .save(PDF, Some("image/png"), "x.png", 1024)
            .await
            .unwrap_err();
        assert_eq!("attachment.type_mismatch", e.code());
        let e = files
            .save(ELF, Some("image/png"), "x.png", 1024)
            .await
            .unwrap_err();
        assert_eq!("attachment.type_mismatch", e.code());
        let e = files
            .save(b"hello", Some("image/png"), "x.png", 1024)
            .await
            .unwrap_err();
        assert_eq!("attachment.type_mismatch", e.code());
        let problem = Problem::from(e);
        assert_eq!(StatusCode::UNPROCESSABLE_ENTITY, problem.status);
        assert_eq!("attachment.type_mismatch", problem.code);
    }

    #[tokio::test]
    async fn empty_and_too_large_are_refused() {
        let (_dir, files) = files();
        let e = files.save(b"", None, "x.txt", 1024).await.unwrap_err();
        assert_eq!("attachment.empty", e.code());
        assert_eq!(StatusCode::UNPROCESSABLE_ENTITY, Problem::from(e).status);
        let e = files.save(PNG, None, "x.png", 10).await.unwrap_err();
        assert_eq!("attachment.too_large", e.code());
        let problem = Problem::from(e);
        assert_eq!(StatusCode::PAYLOAD_TOO_LARGE, problem.status);
        assert_eq!("attachment.too_large", problem.code);
        // Exactly the limit is fine.
        let saved = files.save(PNG, None, "x.png", PNG.len()).await.unwrap();
        assert_eq!(PNG.len() as i64, saved.size);
    }

    #[tokio::test]
    async fn path_traversal_is_refused_on_read() {
        let (dir, files) = files();
        std::fs::write(dir.path().join("secret"), b"s").unwrap();
        for path in [
            "../secret",
            "attachments/../secret",
            "attachments/../../etc/passwd",
            "/etc/passwd",
            "secret",
            "attachments",
            "attachments/",
            "attachments/./ab",
            "attachments//ab",
            "attachments/ab/",
            "attachments/ab/..",
            "attachments\\..\\secret",
            "",
        ] {
            let e = files.read(path).await.unwrap_err();
            assert_eq!("attachment.invalid_path", e.code(), "{path}");
            let problem = Problem::from(e);
            assert_eq!(StatusCode::INTERNAL_SERVER_ERROR, problem.status);
        }
        let e = files.read("attachments/ab/missing").await.unwrap_err();
        assert_eq!("attachment.io", e.code());
    }

    #[tokio::test]
    async fn text_csv_and_json_are_accepted() {
        let (_dir, files) = files();
        let text = "halo, dunia — tenggat\n".as_bytes();
        let saved = files.save(text, None, "notes.txt", 1024).await.unwrap();
        assert_eq!("text/plain", saved.content_type);
        let saved = files
            .save(
                b"a,b\n1,2\n",
                Some("application/vnd.ms-excel"),
                "data.CSV",
                1024,
            )
            .await
            .unwrap();
        assert_eq!("text/csv", saved.content_type);
        let saved = files
            .save(br#"{"a":1}"#, Some("application/json"), "x.json", 1024)
            .await
            .unwrap();
        assert_eq!("application/json", saved.content_type);
        // A .json name whose content does not parse is plain text.
        let saved = files
            .save(b"{not json", None, "x.json", 1024)
            .await
            .unwrap();
        assert_eq!("text/plain", saved.content_type);
        // Text with NUL bytes or invalid UTF-8 is unknown binary.
        for bytes in [&b"a\0b"[..], &b"\xff\xfe\xfd"[..]] {
            let e = files.save(bytes, None, "x.txt", 1024).await.unwrap_err();
            assert_eq!("attachment.unsupported_type", e.code());
        }
    }

    #[tokio::test]
    async fn markup_and_risky_names_are_refused() {
        let (_dir, files) = files();
        for (bytes, name) in [
            (
                &b"<!DOCTYPE html><html><script>x</script></html>"[..],
                "a.txt",
            ),
            (
                &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>"[..],
                "a.txt",
            ),
            (&b"\xef\xbb\xbf  <?xml version=\"1.0\"?><a/>"[..], "a.txt"),
            (&b"#!/bin/sh\nrm -rf /\n"[..], "a.txt"),
            (b"hello", "page.html"),
            (PNG, "polyglot.svg"),
        ] {
            let e = files.save(bytes, None, name, 1024).await.unwrap_err();
            assert_eq!("attachment.unsupported_type", e.code(), "{name}");
        }
    }

    #[test]
    fn file_names_are_sanitised() {
        assert_eq!("report.pdf", sanitize_file_name("report.pdf"));
        assert_eq!("passwd", sanitize_file_name("../../etc/passwd"));
        assert_eq!("shot.png", sanitize_file_name("C:\\Users\\me\\shot.png"));
        assert_eq!("ab.txt", sanitize_file_name("a\u{0}b\n.txt"));
        assert_eq!("evilgnp.exe", sanitize_file_name("evil\u{202e}gnp.exe"));
        assert_eq!("attachment", sanitize_file_name(""));
        assert_eq!("attachment", sanitize_file_name("  "));
        assert_eq!("attachment", sanitize_file_name(".."));
        assert_eq!("attachment", sanitize_file_name("dir/"));
        assert_eq!(
            "laporan bulan Maret.xlsx",
            sanitize_file_name(" laporan bulan Maret.xlsx ")
        );
        let long = format!("{}.pdf", "é".repeat(500));
        let short = sanitize_file_name(&long);
        assert_eq!(MAX_FILE_NAME_CHARS, short.chars().count());
        assert!(short.ends_with(".pdf"));
        let no_ext = "x".repeat(300);
        assert_eq!(
            MAX_FILE_NAME_CHARS,
            sanitize_file_name(&no_ext).chars().count()
        );
    }
}
