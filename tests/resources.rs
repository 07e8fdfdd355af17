//! Memory and disk stay bounded: the sources of plans not in force are
//! dropped past a budget (and rebuilt when asked for), the API refuses a
//! county more plans past a cap with a clear message, plans can be
//! deleted, and the first glyph request does not keep a font's worth of
//! memory.

mod common;
use common::http::{accepted, get, request, serve, token};
use common::*;

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn metric(port: u16, name: &str) -> f64 {
    get(port, "/metrics")
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// Qinghuayuan with plan 1 active and `extra` more plans not in force.
fn with_plans(extra: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, store, _) = imported(
        "cn_beijing_haidian_qinghuayuan_2017.osm.pbf",
        &["--county", "110108"],
    );
    let r = wangge(&["partition", "--store", p(&store)]);
    assert_eq!(r.code, 0, "{}", r.all());
    for i in 0..extra {
        let band = format!("households:{}-{}", 300 + 20 * i, 500 + 20 * i);
        let r = wangge(&[
            "partition",
            "--store",
            p(&store),
            "--band",
            &band,
            "--no-activate",
        ]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    (dir, store)
}

#[test]
fn sources_of_plans_not_in_force_are_dropped_past_the_budget() {
    let (_dir, store) = with_plans(3);
    let server = serve(
        &["--store", p(&store)],
        &["--public-read", "--sources-mb", "0", "--rate-limit", "0"],
    );
    let port = server.port;
    let (x, y) = common::http::tile_of(116.325, 40.0, 14);
    let tile = |plan: u32| get(port, &format!("/tiles/grids/14/{x}/{y}.mvt?plan={plan}"));
    let base = metric(port, "wangge_sources_built");
    for plan in [2, 3, 4, 2, 3, 4] {
        assert!(matches!(tile(plan).status, 200 | 204));
        // The active plan's and the basemap's sources, and at most the one
        // plan source just used.
        assert!(
            metric(port, "wangge_sources_built") <= base + 1.0,
            "plan {plan}"
        );
    }
    // The plan in force is never dropped.
    let before = tile(1);
    assert!(matches!(before.status, 200 | 204));
    assert!(metric(port, "wangge_sources_bytes") > 0.0);
}

#[test]
fn plan_creation_is_capped_and_plans_can_be_deleted() {
    let (_dir, store) = with_plans(2);
    let args = ["--store", p(&store)];
    let planner = token(&args, "planner", &[]);
    let server = serve(&args, &["--max-plans", "2"]);
    let port = server.port;
    accepted(port, &planner);
    let auth = format!("Bearer {planner}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let r = common::http::send(
        port,
        "POST",
        "/api/partitions",
        &h,
        Some(br#"{"band":"residents:1000-2000"}"#),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(
        r.text().contains("--max-plans") && r.text().contains("delete"),
        "{}",
        r.text()
    );
    // The active plan cannot be deleted; another can, over HTTP or the CLI.
    let r = request(port, "DELETE", "/api/plans/1", &[("Authorization", &auth)]);
    assert_eq!(r.status, 409, "{}", r.text());
    let r = request(port, "DELETE", "/api/plans/2", &[("Authorization", &auth)]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["deleted"], 2);
    assert_eq!(
        get(port, "/api/plans/2").status,
        401,
        "anonymous: nothing to see"
    );
    let r = wangge(&["plans", "--store", p(&store), "--delete", "3"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = wangge(&["plans", "--store", p(&store), "--delete", "active"]);
    assert_ne!(r.code, 0);
    let listed = wangge(&["plans", "--store", p(&store), "--json"]);
    let plans: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 1);
    // Room again: the partition starts.
    let r = common::http::send(
        port,
        "POST",
        "/api/partitions",
        &h,
        Some(br#"{"band":"residents:1000-2000","activate":false}"#),
    );
    assert_eq!(r.status, 202, "{}", r.text());
}

#[test]
fn the_first_glyph_request_keeps_little_memory() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let server = serve(&["--store", p(&store)], &["--public-read"]);
    let port = server.port;
    let before = rss_kb(server.pid());
    let r = get(port, "/fonts/Noto%20Sans%20CJK%20SC%20Regular/0-255.pbf");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.len() > 1000);
    // The usual ranges came in the same run of the helper.
    let r = get(
        port,
        "/fonts/Noto%20Sans%20CJK%20SC%20Regular/65280-65535.pbf",
    );
    assert_eq!(r.status, 200);
    let after = rss_kb(server.pid());
    assert!(
        after < before + 50 * 1024,
        "the server grew from {before} kB to {after} kB"
    );
}
