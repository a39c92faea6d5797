//! Static delivery of the SPA: precompressed bodies by Accept-Encoding, cache
//! headers, ETags and 304s, the index.html fallback and plain 404s.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::{spawn_with, test_settings};
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use reqwest::{Client, Method, Response, StatusCode};

const HASH: &str = "0123456789abcdef";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Dist {
    app: common::TestApp,
    client: Client,
    index: Vec<u8>,
    js: Vec<u8>,
    wasm: Vec<u8>,
    css: Vec<u8>,
}

fn js_path() -> String {
    format!("/ori-web-{HASH}.js")
}
fn wasm_path() -> String {
    format!("/ori-web-{HASH}_bg.wasm")
}
fn css_path() -> String {
    format!("/main-{HASH}.css")
}

/// A dist like Trunk's, plus files that must never be served.
async fn spawn() -> Dist {
    let data_dir = tempfile::tempdir().unwrap();
    let dist = data_dir.path().join("dist");
    std::fs::create_dir_all(dist.join(".stage")).unwrap();
    std::fs::create_dir_all(dist.join(format!("snippets/ori-web-{HASH}"))).unwrap();
    let index = format!(
        "<!DOCTYPE html><html><head><link rel=\"modulepreload\" href=\"{}\">\
         <link rel=\"preload\" href=\"{}\"><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><noscript>The Ori console needs JavaScript and WebAssembly.</noscript></body></html>",
        js_path(),
        wasm_path(),
        css_path()
    )
    .into_bytes();
    let js = "export function greet(name) { return `hello ${name}`; }\n"
        .repeat(200)
        .into_bytes();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        wasm.extend_from_slice(&(i % 251).to_le_bytes());
    }
    let css = "body { margin: 0; font-family: system-ui, sans-serif; }\n"
        .repeat(100)
        .into_bytes();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dist.join(name), bytes).unwrap();
    write("index.html", &index);
    write(&js_path()[1..], &js);
    write(&wasm_path()[1..], &wasm);
    write(&css_path()[1..], &css);
    write(&format!("snippets/ori-web-{HASH}/inline0.js"), &js);
    write("tiny.txt", b"x");
    write("logo.png", &[0u8; 4096]);
    write(".stage/index.html", b"half-built");
    std::fs::write(data_dir.path().join("secret.txt"), b"outside the dist").unwrap();

    let mut settings = test_settings(data_dir.path()).await;
    settings.static_dir = dist;
    let app = spawn_with(settings, data_dir).await;
    let dist = Dist {
        app,
        // reqwest here has no decompression features: bodies arrive as sent.
        client: Client::new(),
        index,
        js,
        wasm,
        css,
    };
    dist.wait_for_best_compression().await;
    dist
}

impl Dist {
    /// The console starts with a quick gzip of each file and swaps in brotli
    /// (and gzip at its best) once they are ready, a moment later.
    async fn wait_for_best_compression(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let res = self.get(&wasm_path(), Some("br")).await;
            if res
                .headers()
                .get(CONTENT_ENCODING)
                .is_some_and(|e| e == "br")
            {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "no brotli after 20 s");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    async fn get(&self, path: &str, accept: Option<&str>) -> Response {
        self.request(Method::GET, path, accept, None).await
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        accept: Option<&str>,
        if_none_match: Option<&str>,
    ) -> Response {
        let mut req = self.client.request(method, self.app.url(path));
        if let Some(accept) = accept {
            req = req.header(ACCEPT_ENCODING, accept);
        }
        if let Some(tag) = if_none_match {
            req = req.header(IF_NONE_MATCH, tag);
        }
        req.send().await.unwrap()
    }
}

fn header(res: &Response, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out.extend_from_slice(body),
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

#[tokio::test]
async fn bodies_are_compressed_by_accept_encoding() {
    let d = spawn().await;
    let cases: &[(Option<&str>, Option<&str>)] = &[
        (Some("gzip, deflate, br, zstd"), Some("br")),
        (Some("br"), Some("br")),
        (Some("gzip"), Some("gzip")),
        (Some("x-gzip"), Some("gzip")),
        (Some("br;q=0, gzip"), Some("gzip")),
        (Some("br;q=0.5, gzip;q=0.9"), Some("gzip")),
        (Some("*"), Some("br")),
        (Some("*;q=0.1, br;q=0"), Some("gzip")),
        (Some("br;q=0, gzip;q=0"), None),
        (Some("identity"), None),
        (Some("deflate, zstd"), None),
        (None, None),
    ];
    for (path, original, content_type) in [
        (js_path(), &d.js, "text/javascript"),
        (wasm_path(), &d.wasm, "application/wasm"),
        (css_path(), &d.css, "text/css"),
        ("/".to_owned(), &d.index, "text/html; charset=utf-8"),
        (
            "/index.html".to_owned(),
            &d.index,
            "text/html; charset=utf-8",
        ),
    ] {
        let mut sizes = Vec::new();
        for &(accept, expected) in cases {
            let res = d.get(&path, accept).await;
            assert_eq!(res.status(), StatusCode::OK, "{path} {accept:?}");
            assert_eq!(header(&res, CONTENT_TYPE), Some(content_type), "{path}");
            assert_eq!(
                header(&res, CONTENT_ENCODING),
                expected,
                "{path} with Accept-Encoding {accept:?}"
            );
            assert_eq!(header(&res, VARY), Some("accept-encoding"), "{path}");
            // The security headers middleware still runs on these responses.
            assert!(header(&res, CONTENT_SECURITY_POLICY).is_some(), "{path}");
            let encoding = header(&res, CONTENT_ENCODING).map(str::to_owned);
            let body = res.bytes().await.unwrap();
            assert_eq!(
                &decode(encoding.as_deref(), &body),
                original,
                "{path} {encoding:?}"
            );
            sizes.push((encoding, body.len()));
        }
        let size = |e: Option<&str>| sizes.iter().find(|(x, _)| x.as_deref() == e).unwrap().1;
        assert!(size(Some("br")) < size(Some("gzip")), "{path}: {sizes:?}");
        assert!(size(Some("gzip")) < size(None), "{path}: {sizes:?}");
    }
}

#[tokio::test]
async fn compression_is_kept_only_when_it_helps() {
    let d = spawn().await;
    // One byte cannot shrink: served as is, and it does not vary.
    let res = d.get("/tiny.txt", Some("br, gzip")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    assert_eq!(header(&res, VARY), None);
    assert_eq!(
        header(&res, CONTENT_TYPE),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"x");
    // Images are not a compressible type, however well they would shrink.
    let res = d.get("/logo.png", Some("br, gzip")).await;
    assert_eq!(header(&res, CONTENT_ENCODING), None);
    assert_eq!(header(&res, CONTENT_TYPE), Some("image/png"));
    assert_eq!(res.bytes().await.unwrap().len(), 4096);
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_page_is_revalidated() {
    let d = spawn().await;
    for path in [
        js_path(),
        wasm_path(),
        css_path(),
        format!("/snippets/ori-web-{HASH}/inline0.js"),
    ] {
        let res = d.get(&path, Some("br")).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&res, CACHE_CONTROL), Some(IMMUTABLE), "{path}");
    }
    for path in [
        "/",
        "/index.html",
        "/login",
        "/dashboard/carriers",
        "/dashboard/carriers/123",
        "/tiny.txt",
    ] {
        let res = d.get(path, Some("br")).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&res, CACHE_CONTROL), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn client_routes_get_the_page_and_missing_files_a_404() {
    let d = spawn().await;
    for path in [
        "/login",
        "/dashboard/carriers/123",
        "/dashboard/",
        "/no/such/page",
    ] {
        let res = d.get(path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&res, CONTENT_TYPE),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(header(&res, CONTENT_SECURITY_POLICY).is_some(), "{path}");
        assert_eq!(res.bytes().await.unwrap(), d.index, "{path}");
    }
    for path in [
        "/favicon.ico",
        "/missing.js",
        "/ori-web-ffffffffffffffff_bg.wasm",
        "/.stage/index.html",
    ] {
        let res = d.get(path, Some("br, gzip")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_ne!(
            header(&res, CONTENT_TYPE),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
    }
    // The API's unknown routes stay the API's (problem+json), never the page.
    for path in ["/api/v1/no-such-route", "/api/v2/carriers", "/api"] {
        let res = d.get(path, None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&res, CONTENT_TYPE),
            Some("application/problem+json"),
            "{path}"
        );
    }
    // Only GET and HEAD.
    let res = d.request(Method::POST, &js_path(), None, None).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn etags_answer_304_without_a_body() {
    let d = spawn().await;
    for path in [
        wasm_path(),
        "/".to_owned(),
        "/dashboard/carriers/123".to_owned(),
    ] {
        let br = d.get(&path, Some("br")).await;
        let gzip = d.get(&path, Some("gzip")).await;
        let identity = d.get(&path, None).await;
        let tag = |res: &Response| header(res, ETAG).unwrap().to_owned();
        let (br_tag, gzip_tag, identity_tag) = (tag(&br), tag(&gzip), tag(&identity));
        for t in [&br_tag, &gzip_tag, &identity_tag] {
            assert!(t.starts_with('"') && t.ends_with('"'), "strong ETag {t}");
        }
        // One tag per representation.
        assert_ne!(br_tag, gzip_tag);
        assert_ne!(gzip_tag, identity_tag);
        // Stable: the same content always gets the same tag.
        assert_eq!(tag(&d.get(&path, Some("br")).await), br_tag);

        for (accept, sent, expected_tag) in [
            (Some("br"), br_tag.clone(), &br_tag),
            (Some("br"), format!("W/{br_tag}"), &br_tag),
            (Some("br"), format!("\"other\", {br_tag}"), &br_tag),
            (Some("br"), "*".to_owned(), &br_tag),
            (None, identity_tag.clone(), &identity_tag),
            // A copy in another coding of the same content is still current.
            (Some("br"), gzip_tag.clone(), &gzip_tag),
        ] {
            for method in [Method::GET, Method::HEAD] {
                let res = d.request(method.clone(), &path, accept, Some(&sent)).await;
                assert_eq!(
                    res.status(),
                    StatusCode::NOT_MODIFIED,
                    "{method} {path} If-None-Match {sent}"
                );
                assert_eq!(header(&res, ETAG), Some(expected_tag.as_str()));
                assert_eq!(header(&res, VARY), Some("accept-encoding"));
                assert!(header(&res, CACHE_CONTROL).is_some());
                assert!(res.bytes().await.unwrap().is_empty());
            }
        }
        let res = d
            .request(Method::GET, &path, Some("br"), Some("\"stale\""))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(!res.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn head_sends_the_headers_of_get_without_the_body() {
    let d = spawn().await;
    for accept in [Some("br"), Some("gzip"), None] {
        let get = d.get(&wasm_path(), accept).await;
        let head = d.request(Method::HEAD, &wasm_path(), accept, None).await;
        assert_eq!(head.status(), StatusCode::OK);
        for name in [
            CONTENT_TYPE,
            CONTENT_ENCODING,
            CONTENT_LENGTH,
            ETAG,
            CACHE_CONTROL,
            VARY,
        ] {
            assert_eq!(
                header(&head, name.clone()),
                header(&get, name.clone()),
                "{name} {accept:?}"
            );
        }
        assert!(head.bytes().await.unwrap().is_empty());
    }
}

/// Sends a raw request line, so the path reaches the server unnormalised.
fn raw_get(base: &str, target: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

#[tokio::test]
async fn paths_cannot_leave_the_loaded_files() {
    let d = spawn().await;
    let base = d.app.base.clone();
    let responses = tokio::task::spawn_blocking(move || {
        [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/%2e%2e%2fsecret.txt",
            "/snippets/../../secret.txt",
            "//secret.txt",
        ]
        .map(|target| (target, raw_get(&base, target)))
    })
    .await
    .unwrap();
    for (target, response) in responses {
        assert!(
            !response.contains("outside the dist"),
            "{target} escaped the dist: {response}"
        );
        assert!(
            response.starts_with("HTTP/1.1 404") || response.starts_with("HTTP/1.1 400"),
            "{target}: {response}"
        );
    }
}

#[tokio::test]
async fn without_a_built_spa_the_api_says_so() {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = test_settings(data_dir.path()).await;
    assert!(!Path::new(&settings.static_dir).join("index.html").exists());
    let app = spawn_with(settings, data_dir).await;
    let res = app
        .anon
        .get(app.url("/dashboard/carriers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The console is not built")
    );
}

/// Until the best compression is ready, the first requests get a quick gzip
/// (with its own ETag) rather than waiting for it.
#[tokio::test]
async fn start_up_serves_a_quick_gzip_before_brotli_is_ready() {
    let data_dir = tempfile::tempdir().unwrap();
    let dist = data_dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        b"<!DOCTYPE html><title>Ori</title>",
    )
    .unwrap();
    // Large enough that brotli at its best takes a while.
    let big: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 % 16)
        .collect();
    std::fs::write(dist.join(format!("ori-web-{HASH}_bg.wasm")), &big).unwrap();
    let mut settings = test_settings(data_dir.path()).await;
    settings.static_dir = dist;
    let app = spawn_with(settings, data_dir).await;
    let res = Client::new()
        .get(app.url(&wasm_path()))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert!(
        res.headers()[ETAG]
            .to_str()
            .unwrap()
            .ends_with("-gzip-quick\"")
    );
}
