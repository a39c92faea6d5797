//! Builds the actix App, binds the listener, and serves the SPA.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Response, Server, Service, ServiceResponse};
use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::sync::Notify;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::SwaggerUi;

use crate::bootstrap;
use crate::client_addr::TrustedProxies;
use crate::config::{Settings, read_secret};
use crate::crypto::SecretBox;
use crate::db::Db;
use crate::db::memo::Memo;
use crate::error::ApiError;
use crate::livekit::{
    LiveKitClient, LiveKitConfig, LiveKitTimeouts, Reconciler, SyncMetrics, SyncSettings,
};
use crate::openapi::AllowedMethods;
use crate::routes::health::{MetricsAccess, MetricsToken};
use crate::routes::{self, health};
use crate::sip::ProbeOptions;
use crate::sip::monitor::{self, MonitorSettings};
use crate::spa::{Effort, Spa, SpaSlot};
use crate::state::{AppState, SessionPolicy};
use crate::telemetry::{Refusal, RefusalLog};

pub struct Application {
    port: u16,
    server: Server,
    /// The `ORI_METRICS_BIND` listener's port and server, when set.
    metrics: Option<(u16, Server)>,
}

impl Application {
    /// Connects the database (running migrations), loads keys and binds.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Compressing the SPA is CPU-bound: keep it off the async threads.
        // The quick build now, so start-up takes milliseconds; the best one
        // once the first admin exists (see `compress_spa_at_best`).
        let static_dir = settings.static_dir.clone();
        let spa = tokio::task::spawn_blocking(move || Spa::load(&static_dir, Effort::Quick))
            .await
            .context("loading the SPA")?
            .with_context(|| format!("loading the SPA from {}", settings.static_dir.display()))?
            .map(|spa| Arc::new(SpaSlot::new(spa)));
        let proxies =
            TrustedProxies::parse(&settings.trusted_proxies).map_err(anyhow::Error::msg)?;
        let read_cache = Duration::from_millis(settings.read_cache_ms);
        let db = Db::connect(&settings.database_url())
            .await?
            .with_read_cache(read_cache);
        let key = read_secret(
            settings.secret_key.as_ref(),
            settings.secret_key_file.as_deref(),
        )
        .with_context(|| {
            let path = settings.secret_key_file.as_deref().unwrap_or(Path::new(""));
            format!("reading ORI_SECRET_KEY_FILE {}", path.display())
        })?;
        // A generated key's errors name its file already; a configured one's
        // name the setting it came from.
        let secrets = match &key {
            Some(key) => {
                SecretBox::from_base64(key).with_context(|| match &settings.secret_key_file {
                    Some(path) => format!("ORI_SECRET_KEY_FILE {}", path.display()),
                    None => "ORI_SECRET_KEY".to_owned(),
                })?
            }
            None => SecretBox::load_or_create(None, &settings.data_dir)?,
        };
        let jwt = bootstrap::jwt_keys(settings)?;
        bootstrap::first_admin(&db, settings).await?;
        let metrics = Arc::new(SyncMetrics::new().context("registering metrics")?);
        let sync_wakeup = Arc::new(Notify::new());
        let reconciler = match livekit_client(settings)? {
            Some(client) => {
                let reconciler = Reconciler::new(
                    db.clone(),
                    client,
                    secrets.clone(),
                    sync_settings(settings),
                    metrics.clone(),
                )
                .await?;
                let reconciler = Arc::new(reconciler);
                tokio::spawn(reconciler.clone().run(sync_wakeup.clone()));
                Some(reconciler)
            }
            None => {
                tracing::warn!(
                    "LiveKit is not configured (ORI_LIVEKIT_URL, ORI_LIVEKIT_API_KEY, \
                     ORI_LIVEKIT_API_SECRET): carriers stay pending"
                );
                None
            }
        };
        let probe = Arc::new(probe_options(settings)?);
        tokio::spawn(monitor::run(
            db.clone(),
            probe.clone(),
            MonitorSettings {
                period: Duration::from_secs(settings.monitor_interval_secs.max(1)),
            },
            metrics.clone(),
        ));
        let state = AppState {
            db,
            secrets,
            jwt,
            sessions: SessionPolicy::from_idle_secs(settings.session_idle_secs),
            sync_wakeup,
            reconciler,
            metrics,
            allow_loopback_sip: settings.allow_loopback_sip,
            probe,
            insecure_http: settings.insecure_http,
            require_2fa: settings.require_2fa,
            carrier_pages: Arc::new(Memo::new(read_cache, 256)),
        };
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let local = listener.local_addr()?;
        let (access, metrics_listener) = metrics_access(settings, local.ip().is_loopback())?;
        tokio::spawn(prune_auth_rows(state.db.clone(), state.sessions));
        let state = web::Data::new(state);
        let proxies = web::Data::new(proxies);
        let refusals = Arc::new(RefusalLog::default());
        let metrics = match metrics_listener {
            Some((listener, access)) => {
                let port = listener.local_addr()?.port();
                let server = serve_metrics(
                    listener,
                    state.clone(),
                    proxies.clone(),
                    access,
                    refusals.clone(),
                )?;
                Some((port, server))
            }
            None => None,
        };
        if let Some(slot) = &spa {
            compress_spa_at_best(slot.clone(), settings.static_dir.clone());
        }
        let server = serve(listener, state, proxies, settings, spa, access, refusals)?;
        Ok(Self {
            port: local.port(),
            server,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `ORI_METRICS_BIND` listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => tokio::try_join!(self.server, metrics).map(|_| ()),
            None => self.server.await,
        }
    }
}

/// Who may read `/metrics` on the main listener, and the separate metrics
/// listener with its own access when `ORI_METRICS_BIND` is set. With neither
/// a token nor a bind, the metrics are open only on a loopback bind: on any
/// other address they are not served (and a warning says how to turn them on).
fn metrics_access(
    settings: &Settings,
    loopback: bool,
) -> anyhow::Result<(MetricsAccess, Option<(TcpListener, MetricsAccess)>)> {
    let token = read_secret(
        settings.metrics_token.as_ref(),
        settings.metrics_token_file.as_deref(),
    )
    .with_context(|| {
        let path = settings
            .metrics_token_file
            .as_deref()
            .unwrap_or(Path::new(""));
        format!("reading ORI_METRICS_TOKEN_FILE {}", path.display())
    })?
    .filter(|t| !t.expose_secret().is_empty());
    let token = match token {
        Some(token) => {
            let n = token.expose_secret().chars().count();
            anyhow::ensure!(
                n >= METRICS_TOKEN_MIN,
                "ORI_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN} characters (it has {n})"
            );
            Some(MetricsAccess::Token(Arc::new(MetricsToken::new(
                token.expose_secret(),
            ))))
        }
        None => None,
    };
    let bind = settings
        .metrics_bind
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    if let Some(bind) = bind {
        let listener =
            TcpListener::bind(bind).with_context(|| format!("binding ORI_METRICS_BIND {bind}"))?;
        return Ok((
            MetricsAccess::NotHere,
            Some((listener, token.unwrap_or(MetricsAccess::Open))),
        ));
    }
    Ok(match token {
        Some(token) => (token, None),
        None if loopback => (MetricsAccess::Open, None),
        None => {
            tracing::warn!(
                bind = %settings.bind,
                "/metrics is not served: on an address other than loopback it needs \
                 ORI_METRICS_TOKEN or ORI_METRICS_BIND"
            );
            (MetricsAccess::NotHere, None)
        }
    })
}

/// Shortest `ORI_METRICS_TOKEN`.
const METRICS_TOKEN_MIN: usize = 16;

/// The `ORI_METRICS_BIND` listener: `/metrics` and nothing else.
fn serve_metrics(
    listener: TcpListener,
    state: web::Data<AppState>,
    proxies: web::Data<TrustedProxies>,
    access: MetricsAccess,
    refusals: Arc<RefusalLog>,
) -> anyhow::Result<Server> {
    let access = web::Data::new(access);
    let server = HttpServer::new(move || {
        let refusals = refusals.clone();
        App::new()
            .wrap_fn(move |req, srv| {
                let refusals = refusals.clone();
                let response = srv.call(req);
                async move { Ok(note_refusal(&refusals, response.await?)) }
            })
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
            .app_data(state.clone())
            .app_data(proxies.clone())
            .app_data(access.clone())
            .route("/metrics", web::get().to(health::metrics))
            .default_service(web::to(|| async {
                ApiError::NotFound("Only /metrics is served here.".into()).error_response()
            }))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Logs a 401 or 403 answer (see [`RefusalLog`]): its message is the
/// refusal's own text, never anything the client sent. The answer goes on
/// without its error marker, so that `TracingLogger` does not log it a
/// second time, unthrottled (it logs every error answer at warn).
fn note_refusal<B>(log: &RefusalLog, response: ServiceResponse<B>) -> ServiceResponse<B> {
    let status = response.status();
    if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
        return response;
    }
    let req = response.request();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    // The forwarded address only from a trusted proxy (ORI_TRUSTED_PROXIES).
    let client = crate::client_addr::client_text(req);
    let reason = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(ToString::to_string)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned());
    log.record(&Refusal {
        method: req.method().as_str(),
        route: &route,
        client: &client,
        status: status.as_u16(),
        reason: &reason,
    });
    let (req, res) = response.into_parts();
    ServiceResponse::new(req, HttpResponse::from(Response::from(res)))
}

/// Every ten minutes, forgets throttle counters and sessions that admit or
/// hold back nobody any more, so neither table grows without bound.
async fn prune_auth_rows(db: Db, sessions: SessionPolicy) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(e) = crate::auth::throttle::prune(&db).await {
            tracing::warn!(error = %e, "pruning the login throttle failed");
        }
        let idle_before = crate::time_util::now_ms() - sessions.idle_ms;
        if let Err(e) = crate::db::sessions::prune(&db, idle_before).await {
            tracing::warn!(error = %e, "pruning ended sessions failed");
        }
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    proxies: web::Data<TrustedProxies>,
    settings: &Settings,
    spa: Option<Arc<SpaSlot>>,
    metrics_access: MetricsAccess,
    refusals: Arc<RefusalLog>,
) -> anyhow::Result<Server> {
    let metrics_access = web::Data::new(metrics_access);
    let body_limit = settings.body_limit;
    if spa.is_none() {
        let dir = settings.static_dir.display();
        tracing::warn!(dir = %dir, "no built SPA found; serving the API only");
    }
    let openapi = crate::openapi::openapi();
    let allowed = web::Data::new(AllowedMethods::from_doc(&openapi));
    let server = HttpServer::new(move || {
        let refusals = refusals.clone();
        let app = App::new()
            .wrap_fn(move |req, srv| {
                let refusals = refusals.clone();
                let response = srv.call(req);
                async move { Ok(note_refusal(&refusals, response.await?)) }
            })
            .wrap_fn(|req, srv| {
                let path = req.path().to_owned();
                let https = req.connection_info().scheme() == "https";
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    security_headers(&path, https, response.headers_mut());
                    Ok(response)
                }
            })
            .wrap_fn(|req, srv| {
                let id = req.extensions().get::<RequestId>().copied();
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    if let Some(value) =
                        id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                    {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static("x-request-id"), value);
                    }
                    Ok(response)
                }
            })
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
            .app_data(state.clone())
            .app_data(proxies.clone())
            .app_data(allowed.clone())
            .app_data(metrics_access.clone())
            .app_data(json_config(body_limit))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                let e = ApiError::NotFound("No resource with this id.".into());
                InternalError::from_response(err, e.error_response()).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                let e = ApiError::BadRequest(format!("The query string is not valid: {err}."));
                InternalError::from_response(err, e.error_response()).into()
            }))
            .configure(routes::probes)
            .configure(bench_routes)
            .route("/metrics", web::get().to(health::metrics))
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi.clone()))
            .service(
                web::scope("/api/v1")
                    .configure(routes::api)
                    .default_service(web::to(no_such_api_route)),
            )
            // Every other path under /api/ is the API's too: never the SPA.
            .service(web::scope("/api").default_service(web::to(no_such_api_route)));
        if let Some(spa) = spa.clone() {
            app.default_service(web::to(move |req: HttpRequest| {
                let spa = spa.current();
                async move { spa.respond(&req) }
            }))
        } else {
            app.default_service(web::to(|| async {
                HttpResponse::NotFound()
                    .content_type("text/plain; charset=utf-8")
                    .body("The console is not built: run `trunk build --release` (see README).")
            }))
        }
    })
    .listen(listener)?
    .run();
    Ok(server)
}

async fn no_such_api_route() -> HttpResponse {
    ApiError::NotFound("No such API route.".into()).error_response()
}

/// The LiveKit client, when `ORI_LIVEKIT_URL`, key and secret are all set.
fn livekit_client(settings: &Settings) -> anyhow::Result<Option<LiveKitClient>> {
    let secret = read_secret(
        settings.livekit_api_secret.as_ref(),
        settings.livekit_api_secret_file.as_deref(),
    )
    .context("reading ORI_LIVEKIT_API_SECRET_FILE")?;
    let (Some(url), Some(api_key), Some(api_secret)) = (
        settings
            .livekit_url
            .clone()
            .filter(|u| !u.trim().is_empty()),
        settings
            .livekit_api_key
            .clone()
            .filter(|k| !k.trim().is_empty()),
        secret,
    ) else {
        return Ok(None);
    };
    let client = LiveKitClient::new(LiveKitConfig {
        url,
        api_key,
        api_secret,
        timeouts: LiveKitTimeouts::default(),
    })?;
    Ok(Some(client))
}

fn sync_settings(settings: &Settings) -> SyncSettings {
    SyncSettings {
        poll: Duration::from_millis(settings.sync_poll_ms.max(10)),
        full_pass: Duration::from_secs(settings.sync_full_pass_secs.max(1)),
        retry_base: Duration::from_millis(settings.sync_retry_base_ms.max(10)),
        retry_max: Duration::from_secs(settings.sync_retry_max_secs.max(1)),
        lease: Duration::from_millis(settings.sync_lease_ms.max(300)),
        concurrency: settings.sync_concurrency.clamp(1, 256),
    }
}

/// The page may load code only from this origin (plus compiling the SPA's
/// wasm), never be framed, and never be sniffed as another type. `data:`
/// images are the two-factor QR code (an SVG in an `<img>` runs no script).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
/// Swagger UI styles itself inline and uses data: images.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
    form-action 'self'";

/// HSTS: once a browser has reached the console over HTTPS it never tries
/// plain HTTP again for a year (not sent over HTTP, where it means nothing
/// and would break plain-HTTP development on the same host name).
const HSTS: &str = "max-age=31536000; includeSubDomains";

fn security_headers(path: &str, https: bool, headers: &mut HeaderMap) {
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let csp = if path.starts_with("/docs") {
        DOCS_CSP
    } else {
        CSP
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if path.starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// JSON bodies: size limit, and problem+json for every way a body can be bad.
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _| {
            let e = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
                JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
                    "Send the body as JSON with Content-Type: application/json.".into(),
                ),
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("The JSON body is not valid: {e}."))
                }
                other => ApiError::BadRequest(format!("The body could not be read: {other}.")),
            };
            InternalError::from_response(err, e.error_response()).into()
        })
}

/// Replaces the quick SPA build with brotli and gzip at their best, off the
/// runtime. Started after the first admin's argon2 hash (a 19 MB buffer):
/// beside it, glibc kept all of brotli's freed scratch memory (idle RSS
/// 54 MB instead of 26 MB).
fn compress_spa_at_best(slot: Arc<SpaSlot>, dir: PathBuf) {
    tokio::task::spawn_blocking(move || match Spa::load(&dir, Effort::Best) {
        Ok(Some(best)) => slot.replace(best),
        Ok(None) => {}
        Err(e) => tracing::warn!(
            error = format!("{e:#}"),
            "compressing the SPA at its best failed; serving the quick build"
        ),
    });
}

/// The load benchmarks' baseline route, in bench builds only.
fn bench_routes(_cfg: &mut web::ServiceConfig) {
    #[cfg(feature = "bench")]
    crate::bench::routes(_cfg);
}

/// Test connection's settings: loopback per `ORI_ALLOW_LOOPBACK_SIP`, and the
/// CA certificates of `ORI_SIP_TLS_CA_FILE` trusted besides the public roots.
fn probe_options(settings: &Settings) -> anyhow::Result<ProbeOptions> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let extra_roots = match &settings.sip_tls_ca_file {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("reading ORI_SIP_TLS_CA_FILE {}", path.display()))?,
        None => Vec::new(),
    };
    Ok(ProbeOptions {
        allow_loopback: settings.allow_loopback_sip,
        extra_roots,
        timeout: Duration::from_millis(settings.probe_timeout_ms.max(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_over_https() {
        let mut headers = HeaderMap::new();
        security_headers("/api/v1/me", true, &mut headers);
        assert_eq!(
            headers.get(header::STRICT_TRANSPORT_SECURITY),
            Some(&HeaderValue::from_static(
                "max-age=31536000; includeSubDomains"
            ))
        );
        let mut headers = HeaderMap::new();
        security_headers("/api/v1/me", false, &mut headers);
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    }
}
