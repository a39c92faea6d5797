//! Bench-only routes (cargo feature `bench`, never in a production build).
//!
//! `GET /bench/baseline` answers a fixed JSON body the size and shape of a
//! 50-row carrier page without touching the database or checking a session,
//! so the load benchmarks can state each route's throughput as a share of
//! what this server's HTTP stack does with the same bytes (see
//! docs/benchmarks.md).

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use ori_shared::dto::{CarrierPage, CarrierSummary, Reachability, SyncStatus};
use uuid::Uuid;

/// Rows in the baseline page: the list's default page size.
const ROWS: u32 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bench/baseline", web::get().to(baseline));
}

async fn baseline() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(page().as_bytes())
}

/// Serialized once: the list's rows as the seeder makes them.
fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let items = (0..ROWS)
            .map(|i| CarrierSummary {
                id: Uuid::now_v7(),
                name: format!("Amber Telecom {:06}", i * 197),
                sip_address: format!("sip{}.zone{:02}.example.net", i * 197, i % 100),
                has_password: i % 3 == 0,
                allowed_ip_count: i % 4,
                inbound_open: false,
                did_count: 10,
                outbound_cps: 5.0,
                outbound_burst: 10,
                sync_status: SyncStatus::Pending,
                last_synced_at: None,
                reachability: Reachability::Off,
            })
            .collect();
        let page = CarrierPage {
            items,
            total: 10_000,
            next_cursor: Some(
                "MDE5YjAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAwCmFtYmVyIHRlbGVjb20gMDA5ODUw"
                    .into(),
            ),
        };
        serde_json::to_string(&page).unwrap_or_default()
    })
}
