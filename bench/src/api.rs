//! The console's API as the bench's clients call it: an API token, a
//! timeout, and answers read as JSON whatever their status.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use crate::server::Server;

/// The API of a running `ori`, cloneable into load tasks.
#[derive(Clone)]
pub struct Api {
    client: Client,
    base: String,
    auth: String,
}

/// One answer: status, content type and body (JSON, or `Null`).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Api {
    pub fn of(server: &Server, timeout: Duration) -> Result<Self> {
        Ok(Self {
            client: Client::builder().timeout(timeout).build()?,
            base: server.base.clone(),
            auth: server.auth.clone(),
        })
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.auth);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }

    /// Sends and insists on a 2xx; returns the body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let what = format!("{method} {path}");
        let answer = self.send(method, path, body).await.context(what.clone())?;
        ensure!(
            answer.status.is_success(),
            "{what} answered {}: {}",
            answer.status,
            answer.body
        );
        Ok(answer.body)
    }

    /// Every carrier, through the list's pages.
    pub async fn carriers(&self) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/carriers?limit=200&cursor={c}"),
                None => "/api/v1/carriers?limit=200".to_owned(),
            };
            let page = self.ok(Method::GET, &path, None).await?;
            all.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(all),
            }
        }
    }
}

/// A string field of a JSON answer.
pub fn text(v: &Value, field: &str) -> Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field} in {v}"))
}
