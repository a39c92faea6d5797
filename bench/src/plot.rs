//! The growth plot (docs/growth.svg): p99 latency of each read case against
//! the number of carriers, one line per case and engine, on log–log axes.
//! Plain SVG, written by hand: a few lines and labels need no plotting crate.

use std::fmt::Write;

use crate::load::Report;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const CASES: [(&str, &str); 5] = [
    ("list", "#1f77b4"),
    ("search_hit", "#ff7f0e"),
    ("search_miss", "#2ca02c"),
    ("deep_cursor", "#9467bd"),
    ("detail", "#8c564b"),
];

/// An SVG of `reports` (several sizes of one or two engines).
pub fn svg(reports: &[Report]) -> String {
    let points: Vec<(f64, f64)> = reports
        .iter()
        .flat_map(|r| {
            r.rows
                .iter()
                .map(move |row| (r.carriers as f64, row.p99_ms))
        })
        .filter(|(_, ms)| *ms > 0.0)
        .collect();
    let (x_min, x_max) = bounds(points.iter().map(|p| p.0));
    let (y_min, y_max) = bounds(points.iter().map(|p| p.1).chain([10.0]));
    let x = |v: f64| LEFT + (v.log10() - x_min) / (x_max - x_min) * (WIDTH - LEFT - RIGHT);
    let y =
        |v: f64| HEIGHT - BOTTOM - (v.log10() - y_min) / (y_max - y_min) * (HEIGHT - TOP - BOTTOM);

    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="14" font-weight="bold">p99 latency at 64 connections by number of carriers: the database path (read cache off)</text>
"##
    );
    for decade in (x_min as i32)..=(x_max as i32) {
        let v = 10f64.powi(decade);
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{3}</text>"##,
            x(v),
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 16.0,
            thousands(v)
        );
    }
    for decade in (y_min.floor() as i32)..=(y_max.ceil() as i32) {
        let v = 10f64.powi(decade);
        if v.log10() < y_min || v.log10() > y_max {
            continue;
        }
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{4} ms</text>"##,
            y(v),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            v
        );
    }
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#c00" stroke-dasharray="6 4"/><text x="{2:.1}" y="{3:.1}" fill="#c00">target 10 ms</text>
<text x="{4:.1}" y="{5:.1}" text-anchor="middle">carriers (10 numbers each)</text>"##,
        y(10.0),
        WIDTH - RIGHT,
        WIDTH - RIGHT + 6.0,
        y(10.0) + 4.0,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 20.0
    );
    let mut legend_y = TOP + 10.0;
    for engine in ["SQLite", "PostgreSQL"] {
        let dash = if engine == "SQLite" {
            ""
        } else {
            r#" stroke-dasharray="5 3""#
        };
        for (case, colour) in CASES {
            let mut line: Vec<(f64, f64)> = reports
                .iter()
                .filter(|r| r.engine == engine)
                .filter_map(|r| {
                    let row = r.rows.iter().find(|row| row.case == case)?;
                    Some((r.carriers as f64, row.p99_ms))
                })
                .collect();
            if line.is_empty() {
                continue;
            }
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            let path: Vec<String> = line
                .iter()
                .map(|(c, ms)| format!("{:.1},{:.1}", x(*c), y(*ms)))
                .collect();
            let _ = writeln!(
                out,
                r##"<polyline points="{0}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>
<line x1="{1:.1}" y1="{2:.1}" x2="{3:.1}" y2="{2:.1}" stroke="{colour}" stroke-width="2"{dash}/><text x="{4:.1}" y="{5:.1}">{engine} {case}</text>"##,
                path.join(" "),
                WIDTH - RIGHT + 12.0,
                legend_y,
                WIDTH - RIGHT + 36.0,
                WIDTH - RIGHT + 40.0,
                legend_y + 4.0,
            );
            for (c, ms) in &line {
                let _ = writeln!(
                    out,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"##,
                    x(*c),
                    y(*ms)
                );
            }
            legend_y += 18.0;
        }
    }
    out.push_str("</svg>\n");
    out
}

/// log10 bounds of `values`, padded to whole decades.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let logs: Vec<f64> = values.filter(|v| *v > 0.0).map(f64::log10).collect();
    let min = logs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !min.is_finite() {
        return (0.0, 1.0);
    }
    (min.floor(), max.ceil().max(min.floor() + 1.0))
}

fn thousands(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{}M", v / 1e6),
        v if v >= 1e3 => format!("{}k", v / 1e3),
        v => format!("{v}"),
    }
}
