//! Serves the built SPA (`dist/`) from memory.
//!
//! At start-up every file is read once and the compressible ones are
//! compressed with a quick gzip, so the console answers within milliseconds;
//! brotli and gzip at their best follow off the runtime (a second or two for
//! the wasm) and replace them ([`SpaSlot`]). A request only picks a ready
//! body: the wasm goes out at about a third of its size at no per-request
//! cost.
//! Hashed file names (Trunk's `filehash`) are cached for a year; everything
//! else, `index.html` above all, is revalidated with its ETag on every use.
//! Only files loaded here can be served, so no request path reaches the disk.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use anyhow::Context;
use compression_codecs::core::Level;
use compression_codecs::core::util::{PartialBuffer, WriteBuffer};
use compression_codecs::{self as codecs, EncodeV2};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The SPA's files by URL path (`/index.html`, `/ori-web-<hash>.js`, …).
pub struct Spa {
    assets: HashMap<String, Asset>,
}

struct Asset {
    content_type: &'static str,
    cache_control: &'static str,
    /// Identity first, then any compressed variants, best first.
    variants: Vec<Variant>,
}

struct Variant {
    /// `None` for the uncompressed body.
    encoding: Option<Encoding>,
    /// Strong and per representation (RFC 9110 §8.8.3): the content's hash
    /// plus the coding, so replicas built from one dist agree.
    etag: String,
    body: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }
}

/// How hard [`Spa::load`] compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// gzip at its default level: tens of milliseconds, for start-up.
    Quick,
    /// brotli and gzip at their best: seconds, once, in the background.
    Best,
}

/// The SPA being served: the quick build until the best one replaces it.
pub struct SpaSlot(RwLock<Arc<Spa>>);

impl SpaSlot {
    pub fn new(spa: Spa) -> Self {
        Self(RwLock::new(Arc::new(spa)))
    }

    pub fn current(&self) -> Arc<Spa> {
        match self.0.read() {
            Ok(spa) => spa.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, spa: Spa) {
        match self.0.write() {
            Ok(mut slot) => *slot = Arc::new(spa),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(spa),
        }
    }
}

impl Spa {
    /// Loads and compresses `dir`; `None` when it holds no `index.html`.
    /// CPU-bound (brotli at quality 11 for [`Effort::Best`]): call it off
    /// the async runtime.
    pub fn load(dir: &Path, effort: Effort) -> anyhow::Result<Option<Self>> {
        if !dir.join("index.html").is_file() {
            return Ok(None);
        }
        let started = Instant::now();
        let mut paths = Vec::new();
        collect(dir, "", &mut paths)?;
        let mut files = Vec::with_capacity(paths.len());
        for (url, path) in paths {
            let content =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.push((url, path, content));
        }
        // Smallest first, the wasm last: glibc keeps part of brotli's freed
        // scratch memory, and in this order (with the window of `brotli`) the
        // idle server measured 26 MB RSS against 42 MB for the reverse.
        files.sort_by_key(|(_, _, content)| content.len());
        let mut assets = HashMap::with_capacity(files.len());
        let (mut raw, mut smallest) = (0, 0);
        for (url, path, content) in files {
            let asset = Asset::new(&url, content, effort)
                .with_context(|| format!("compressing {}", path.display()))?;
            let sizes: Vec<_> = asset
                .variants
                .iter()
                .map(|v| (v.encoding.map_or("identity", Encoding::token), v.body.len()))
                .collect();
            tracing::debug!(path = %url, ?sizes, "loaded SPA file");
            raw += asset.variants[0].body.len();
            smallest += asset
                .variants
                .iter()
                .map(|v| v.body.len())
                .min()
                .unwrap_or(0);
            assets.insert(url, asset);
        }
        tracing::info!(
            dir = %dir.display(),
            files = assets.len(),
            raw_bytes = raw,
            smallest_bytes = smallest,
            millis = started.elapsed().as_millis() as u64,
            ?effort,
            "SPA loaded into memory"
        );
        Ok(Some(Self { assets }))
    }

    /// Answers a request that no other route took.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        // Decoded path (`%2E` is `.`); lookups are exact, so `..` finds nothing.
        let path = req.match_info().as_str();
        if path == "/api" || path.starts_with("/api/") {
            return ApiError::NotFound("No such API route.".into()).error_response();
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "GET, HEAD"))
                .finish();
        }
        let key = if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        let asset = match self.assets.get(&key) {
            Some(asset) => asset,
            // A missing script or icon must not get the page back as a 200.
            None if looks_like_file(path) => {
                return HttpResponse::NotFound()
                    .content_type("text/plain; charset=utf-8")
                    .body("Not found.");
            }
            // A client-side route such as `/dashboard/carriers/…`.
            None => match self.assets.get("/index.html") {
                Some(index) => index,
                None => return HttpResponse::NotFound().finish(),
            },
        };
        asset.respond(req)
    }
}

impl Asset {
    fn new(url: &str, content: Vec<u8>, effort: Effort) -> std::io::Result<Self> {
        let ext = extension(url);
        let hash = hex(&Sha256::digest(&content)[..16]);
        let identity = Variant {
            encoding: None,
            etag: format!("\"{hash}\""),
            body: Bytes::from(content),
        };
        let mut compressed = Vec::new();
        if compressible(ext) {
            let codings = match effort {
                // Its own tag: strong ETags name exact bytes.
                Effort::Quick => vec![(
                    Encoding::Gzip,
                    "gzip-quick",
                    gzip(&identity.body, Level::Default)?,
                )],
                Effort::Best => vec![
                    (Encoding::Brotli, "br", brotli(&identity.body)?),
                    (Encoding::Gzip, "gzip", gzip(&identity.body, Level::Best)?),
                ],
            };
            for (encoding, tag, body) in codings {
                if body.len() < identity.body.len() {
                    compressed.push(Variant {
                        encoding: Some(encoding),
                        etag: format!("\"{hash}-{tag}\""),
                        body: Bytes::from(body),
                    });
                }
            }
        }
        let mut variants = vec![identity];
        variants.extend(compressed);
        Ok(Self {
            content_type: content_type(ext),
            cache_control: if is_hashed(url) {
                IMMUTABLE
            } else {
                REVALIDATE
            },
            variants,
        })
    }

    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let chosen = self.negotiate(req.headers().get(header::ACCEPT_ENCODING));
        if let Some(tags) = req.headers().get(header::IF_NONE_MATCH) {
            // The client's copy may be another coding of this same content:
            // still current, so confirm the copy it has.
            if let Some(held) = self.held(tags, chosen) {
                let mut res = HttpResponse::NotModified();
                self.headers(&mut res, held);
                return res.finish();
            }
        }
        let mut res = HttpResponse::Ok();
        self.headers(&mut res, chosen);
        res.insert_header((header::CONTENT_TYPE, self.content_type));
        if let Some(encoding) = chosen.encoding {
            res.insert_header((header::CONTENT_ENCODING, encoding.token()));
        }
        // For HEAD, actix sends these headers (Content-Length too) without the body.
        res.body(chosen.body.clone())
    }

    fn headers(&self, res: &mut HttpResponseBuilder, variant: &Variant) {
        res.insert_header((header::CACHE_CONTROL, self.cache_control));
        if let Ok(etag) = HeaderValue::from_str(&variant.etag) {
            res.insert_header((header::ETAG, etag));
        }
        if self.variants.len() > 1 {
            res.insert_header((header::VARY, "accept-encoding"));
        }
    }

    /// The best variant the client accepts: highest q-value, brotli before
    /// gzip on a tie, and any compression before none.
    fn negotiate(&self, accept: Option<&HeaderValue>) -> &Variant {
        let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or("");
        let mut best: Option<(f32, &Variant)> = None;
        for variant in &self.variants[1..] {
            let Some(encoding) = variant.encoding else {
                continue;
            };
            let q = quality(accept, encoding);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, variant));
            }
        }
        best.map_or(&self.variants[0], |(_, variant)| variant)
    }

    /// The variant whose ETag `If-None-Match` lists (weak comparison,
    /// RFC 9110 §13.1.2), or `chosen` for `*`.
    fn held<'a>(&'a self, tags: &HeaderValue, chosen: &'a Variant) -> Option<&'a Variant> {
        let tags = tags.to_str().ok()?;
        if tags.trim() == "*" {
            return Some(chosen);
        }
        let listed: Vec<&str> = tags
            .split(',')
            .map(|tag| {
                let tag = tag.trim();
                tag.strip_prefix("W/").unwrap_or(tag)
            })
            .collect();
        if listed.contains(&chosen.etag.as_str()) {
            return Some(chosen);
        }
        self.variants
            .iter()
            .find(|v| listed.contains(&v.etag.as_str()))
    }
}

/// The q-value `Accept-Encoding` gives `encoding`: its own entry, else `*`'s,
/// else 0 (RFC 9110 §12.5.3). A malformed q counts as 0.
fn quality(accept: &str, encoding: Encoding) -> f32 {
    let mut wildcard = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().unwrap_or(0.0))
            })
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        let named = coding.eq_ignore_ascii_case(encoding.token())
            || (encoding == Encoding::Gzip && coding.eq_ignore_ascii_case("x-gzip"));
        if named {
            return q;
        }
        if coding == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

/// Brotli at its best quality: a second or two for the wasm, once, and ~20 %
/// smaller than gzip. The window is capped at 256 KiB: a 1 MiB one saves
/// under 1 % on the wasm but doubles the encoder's scratch memory, which
/// glibc keeps after it is freed (idle RSS ~30 MB instead of ~26 MB).
fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let window_bits = (usize::BITS - data.len().leading_zeros()).clamp(16, 18);
    let params = codecs::brotli::params::EncoderParams::default()
        .quality(Level::Best)
        .window_size(window_bits as i32)
        .size_hint(data.len());
    compress(codecs::BrotliEncoder::new(params), data)
}

fn gzip(data: &[u8], level: Level) -> std::io::Result<Vec<u8>> {
    compress(codecs::GzipEncoder::new(level.into()), data)
}

/// Runs `codec` over all of `data`. compression-codecs' encoders are concrete
/// types, so brotli's generic code is compiled (and optimised, see the
/// workspace's dev profile) in that crate rather than in this one.
fn compress(mut codec: impl EncodeV2, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut input = PartialBuffer::new(data);
    let mut output = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    while !input.unwritten().is_empty() {
        let mut buffer = WriteBuffer::new_initialized(&mut chunk);
        codec.encode(&mut input, &mut buffer)?;
        output.extend_from_slice(buffer.written());
    }
    loop {
        let mut buffer = WriteBuffer::new_initialized(&mut chunk);
        let done = codec.finish(&mut buffer)?;
        output.extend_from_slice(buffer.written());
        if done {
            // Held for the server's lifetime: no spare capacity.
            output.shrink_to_fit();
            return Ok(output);
        }
    }
}

/// Every regular file under `dir` by URL path. Dot-files are skipped (Trunk
/// stages builds in `dist/.stage`), and so are symlinks: only what the build
/// wrote into the directory is served.
fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            tracing::warn!(path = %path.display(), "skipping a file whose name is not UTF-8");
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("inspecting {}", path.display()))?;
        let url = format!("{prefix}/{name}");
        if kind.is_dir() {
            collect(&path, &url, out)?;
        } else if kind.is_file() {
            out.push((url, path));
        }
    }
    Ok(())
}

fn extension(url: &str) -> &str {
    let name = url.rsplit('/').next().unwrap_or(url);
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// A last segment such as `favicon.ico` or `app.js` names a file, not a route.
fn looks_like_file(path: &str) -> bool {
    let ext = extension(path);
    (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Trunk's `filehash` puts a 64-bit hex hash next to the stem
/// (`ori-web-<hash>_bg.wasm`, `main-<hash>.css`), and wasm-bindgen puts one in
/// snippet directories (`snippets/<crate>-<hash>/`): new content, new name.
fn is_hashed(url: &str) -> bool {
    let hex_hash =
        |s: &str| (12..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    url.split('/').any(|segment| {
        let stem = segment.split_once('.').map_or(segment, |(stem, _)| stem);
        let stem = stem.strip_suffix("_bg").unwrap_or(stem);
        stem.contains('-') && stem.split('-').any(hex_hash)
    })
}

fn compressible(ext: &str) -> bool {
    matches!(
        ext,
        "wasm"
            | "js"
            | "mjs"
            | "css"
            | "html"
            | "svg"
            | "json"
            | "map"
            | "txt"
            | "xml"
            | "webmanifest"
            | "ico"
    )
}

fn content_type(ext: &str) -> &'static str {
    match ext {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values() {
        assert_eq!(quality("gzip, deflate, br, zstd", Encoding::Brotli), 1.0);
        assert_eq!(quality("br;q=0, gzip", Encoding::Brotli), 0.0);
        assert_eq!(quality("BR ; Q=0.5", Encoding::Brotli), 0.5);
        assert_eq!(quality("*;q=0.3, gzip;q=0", Encoding::Brotli), 0.3);
        assert_eq!(quality("*;q=0.3, gzip;q=0", Encoding::Gzip), 0.0);
        assert_eq!(quality("x-gzip", Encoding::Gzip), 1.0);
        assert_eq!(quality("identity", Encoding::Gzip), 0.0);
        assert_eq!(quality("br;q=bogus", Encoding::Brotli), 0.0);
        assert_eq!(quality("", Encoding::Brotli), 0.0);
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/ori-web-6d1f0c2b5a4e3f21_bg.wasm"));
        assert!(is_hashed("/ori-web-6d1f0c2b5a4e3f21.js"));
        assert!(is_hashed("/main-d1f0c2b5a4e3f21.css"));
        assert!(is_hashed("/6d1f0c2b5a4e3f21-loader.js"));
        assert!(is_hashed("/snippets/ori-web-6d1f0c2b5a4e3f21/inline0.js"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/favicon.ico"));
        assert!(!is_hashed("/logo-cafe.png"));
        assert!(!is_hashed("/ori-web-not-a-hash.js"));
    }

    #[test]
    fn file_like_paths() {
        assert!(looks_like_file("/favicon.ico"));
        assert!(looks_like_file("/missing.js"));
        assert!(!looks_like_file("/dashboard/carriers/123"));
        assert!(!looks_like_file("/dashboard/carriers"));
        assert!(!looks_like_file("/"));
    }
}
