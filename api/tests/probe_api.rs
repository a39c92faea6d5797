//! "Test connection" through the API (`POST /api/v1/carriers/{id}/probe`)
//! against a real kamailio on 127.0.0.1, with `ORI_ALLOW_LOOPBACK_SIP` and
//! kamailio's certificate trusted through `ORI_SIP_TLS_CA_FILE`.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::kamailio::Kamailio;
use common::{TestApp, id, problem, spawn_app, spawn_with, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An app that may probe this machine and trusts `kamailio`'s certificate.
async fn app_trusting(kamailio: &Kamailio) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        STANDARD.encode(kamailio.cert.as_ref())
    );
    let ca = dir.path().join("carrier-ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.allow_loopback_sip = true;
    settings.sip_tls_ca_file = Some(ca);
    spawn_with(settings, dir).await
}

async fn probe(app: &TestApp, address: String, transport: &str) -> Value {
    let c = app
        .carrier(json!({"name": format!("Probe {transport}"), "sip_address": address, "transport": transport}))
        .await;
    let res = app
        .post(&format!("/api/v1/carriers/{}/probe", id(&c)), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn test_connection_reports_kamailios_answer_over_each_transport() {
    let kamailio = Kamailio::start();
    let app = app_trusting(&kamailio).await;
    for (address, transport, used) in [
        (format!("127.0.0.1:{}", kamailio.udp), "udp", "udp"),
        (format!("127.0.0.1:{}", kamailio.tcp), "tcp", "tcp"),
        (format!("localhost:{}", kamailio.tls), "tls", "tls"),
        (format!("127.0.0.1:{}", kamailio.udp), "auto", "udp"),
    ] {
        let r = probe(&app, address.clone(), transport).await;
        assert_eq!(r["reachable"], true, "{address} {transport}: {r:#}");
        assert_eq!(r["status_code"], 200, "{r:#}");
        assert_eq!(r["reason"], "OK");
        assert_eq!(r["transport"], used);
        assert!(r["rtt_ms"].as_f64().unwrap() > 0.0);
        assert!(r["server"].as_str().unwrap().contains("kamailio"), "{r:#}");
        assert!(r["failure"].is_null());
    }
}

#[tokio::test]
async fn test_connection_says_why_when_nothing_answers() {
    let kamailio = Kamailio::start();
    let app = app_trusting(&kamailio).await;
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let r = probe(&app, format!("127.0.0.1:{port}"), "tcp").await;
    assert_eq!(r["reachable"], false);
    assert_eq!(r["failure"], "refused");
    assert!(r["message"].as_str().unwrap().contains("refused"), "{r:#}");
    // TLS to 127.0.0.1 with a certificate for localhost only.
    let r = probe(&app, format!("127.0.0.1:{}", kamailio.tls), "tls").await;
    assert_eq!(r["reachable"], false);
    assert_eq!(r["failure"], "tls");
    assert!(
        r["message"].as_str().unwrap().contains("not valid for"),
        "{r:#}"
    );
}

#[tokio::test]
async fn test_connection_of_an_unknown_carrier_is_404() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/carriers/00000000-0000-4000-8000-000000000000/probe",
            &json!({}),
        )
        .await;
    problem(res, StatusCode::NOT_FOUND).await;
}
