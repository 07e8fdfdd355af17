//! The platform on both stores: two counties side by side in one store,
//! each partitioned with its own active plan and tiles; who may do what
//! (anonymous, viewer, planner, admin; county and town scopes; expired and
//! revoked tokens; a browser session and its CSRF token); cross-origin and
//! foreign-host requests; malformed credentials; the audit log; every
//! answer checked against the OpenAPI document the server publishes; and
//! no secret in the server's log.

mod common;
use common::http::{Reply, accepted, send, serve_logged, tile_of, token};
use common::postgis::PgCluster;
use common::*;

use std::path::Path;
use std::time::{Duration, Instant};

use geozero::mvt::{Message, Tile};

const A: &str = "110108";
const B: &str = "360681";

/// Two synthetic counties in one store, each partitioned.
fn prepare(store: &[&str]) {
    for (county, seed) in [(A, "1"), (B, "2")] {
        let mut args = vec!["synth"];
        args.extend_from_slice(store);
        args.extend_from_slice(&[
            "--county",
            county,
            "--seed",
            seed,
            "--buildings",
            "3000",
            "--population",
            "60000",
        ]);
        let r = wangge(&args);
        assert_eq!(r.code, 0, "{}", r.all());
        let mut args = vec!["partition"];
        args.extend_from_slice(store);
        args.extend_from_slice(&["--county", county]);
        let r = wangge(&args);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(
            r.stdout.contains(&format!("county {county}")),
            "{}",
            r.stdout
        );
    }
    // A second plan of A, not active.
    let mut args = vec!["partition"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[
        "--county",
        A,
        "--band",
        "households:300-500",
        "--no-activate",
    ]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// The published API document, to check answers against.
struct Doc(serde_json::Value);

impl Doc {
    /// Validates a JSON answer against the schema the document gives for
    /// this route, method and status.
    fn check(&self, method: &str, template: &str, r: &Reply) {
        let op = &self.0["paths"][template][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {template} is not in the document");
        let status = r.status.to_string();
        let resp = &op["responses"][&status];
        assert!(
            resp.is_object(),
            "{method} {template} answered {status}, which the document does not list: {}",
            r.text()
        );
        let Some(schema) = resp
            .pointer("/content/application~1json/schema")
            .filter(|_| r.header("content-type").starts_with("application/json"))
        else {
            return;
        };
        let mut root = schema.clone();
        if let Some(o) = root.as_object_mut() {
            o.insert("components".into(), self.0["components"].clone());
        }
        let v = jsonschema::validator_for(&root).expect("a valid schema");
        let body = r.json();
        let errors: Vec<String> = v
            .iter_errors(&body)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template} ({status}) disagrees with the document: {errors:?}\n{}",
            r.text()
        );
    }
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

/// A request with a token (or none) and extra headers.
fn call(
    port: u16,
    method: &str,
    path: &str,
    tok: Option<&str>,
    extra: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    let auth = tok.map(bearer);
    let mut h: Vec<(&str, &str)> = extra.to_vec();
    if let Some(a) = &auth {
        h.push(("Authorization", a));
    }
    send(port, method, path, &h, body)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Grid codes in a decoded tile's `grids` layer.
fn tile_codes(body: &[u8]) -> Vec<String> {
    let t = Tile::decode(body).expect("an MVT");
    let mut out = Vec::new();
    for l in t.layers.iter().filter(|l| l.name == "grids") {
        let k = l.keys.iter().position(|k| k == "code").expect("a code key") as u32;
        for f in &l.features {
            for kv in f.tags.chunks(2) {
                if kv[0] == k {
                    out.push(
                        l.values[kv[1] as usize]
                            .string_value
                            .clone()
                            .unwrap_or_default(),
                    );
                }
            }
        }
    }
    out
}

fn suite(store: &[&str], dir: &Path) {
    let admin = token(store, "admin", &["--name", "suite admin"]);
    let planner = token(store, "planner", &[]);
    let viewer = token(store, "viewer", &[]);
    let viewer_a = token(store, "viewer", &["--scope", A]);
    let expired = token(store, "viewer", &["--expires", "0.00001"]);
    let doomed = token(store, "viewer", &["--name", "to revoke"]);
    let log = dir.join("serve.log");
    let server = serve_logged(
        store,
        &[
            "--cors-origin",
            "https://gis.example.org",
            "--rate-limit",
            "0",
        ],
        Some(&log),
    );
    let port = server.port;
    for t in [&admin, &planner, &viewer, &viewer_a, &doomed] {
        accepted(port, t);
    }
    let doc = Doc(call(port, "GET", "/openapi.json", None, &[], None).json());
    let get = |path: &str, tok: Option<&str>| call(port, "GET", path, tok, &[], None);
    let checked = |method: &str, template: &str, path: &str, tok: Option<&str>| {
        let r = call(port, method, path, tok, &[], None);
        doc.check(method, template, &r);
        r
    };

    // Two counties, each with its own active plan.
    let counties = checked("GET", "/api/counties", "/api/counties", Some(&viewer)).json();
    let list = counties["counties"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{counties}");
    assert_eq!(list[0]["code"], A);
    assert_eq!(list[1]["code"], B);
    let plan_a = list[0]["active_plan"].as_i64().unwrap();
    let plan_b = list[1]["active_plan"].as_i64().unwrap();
    assert_ne!(plan_a, plan_b);
    let plans = checked("GET", "/api/plans", "/api/plans", Some(&viewer)).json();
    assert_eq!(plans["plans"].as_array().unwrap().len(), 3);
    let only_b = checked(
        "GET",
        "/api/plans",
        &format!("/api/plans?county={B}"),
        Some(&viewer),
    )
    .json();
    assert_eq!(only_b["plans"].as_array().unwrap().len(), 1);
    let grids_a = checked(
        "GET",
        "/api/plans/{plan}/grids",
        &format!("/api/plans/active/grids?county={A}"),
        Some(&viewer),
    )
    .json();
    let grids_b = checked(
        "GET",
        "/api/plans/{plan}/grids",
        &format!("/api/plans/active/grids?county={B}"),
        Some(&viewer),
    )
    .json();
    assert_eq!(grids_a["plan"], plan_a);
    assert_eq!(grids_b["plan"], plan_b);
    let code_a = grids_a["grids"][0]["code"].as_str().unwrap().to_string();
    let code_b = grids_b["grids"][0]["code"].as_str().unwrap().to_string();
    assert!(code_a.starts_with(A) && code_b.starts_with(B));
    // Each county's tiles hold its own grids.
    let centre = |g: &serde_json::Value| {
        let b: Vec<f64> = g["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
    };
    let (lon_b, lat_b) = centre(&grids_b["grids"][0]);
    let (x, y) = tile_of(lon_b, lat_b, 12);
    let tb = get(
        &format!("/tiles/grids/12/{x}/{y}.mvt?county={B}"),
        Some(&viewer),
    );
    assert_eq!(tb.status, 200, "{}", tb.text());
    let codes = tile_codes(&tb.body);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c.starts_with(B)),
        "{codes:?}"
    );
    let (lon_a, lat_a) = centre(&grids_a["grids"][0]);
    let (xa, ya) = tile_of(lon_a, lat_a, 12);
    let ta = get(
        &format!("/tiles/grids/12/{xa}/{ya}.mvt?county={A}"),
        Some(&viewer),
    );
    assert_eq!(ta.status, 200, "{}", ta.text());
    assert!(tile_codes(&ta.body).iter().all(|c| c.starts_with(A)));
    let tj = checked(
        "GET",
        "/tiles/{file}",
        &format!("/tiles/grids.json?county={B}"),
        Some(&viewer),
    )
    .json();
    assert!(
        tj["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with(&format!("?county={B}")),
        "{tj}"
    );
    checked(
        "GET",
        "/catalog",
        &format!("/catalog?county={B}"),
        Some(&viewer),
    );
    checked(
        "GET",
        "/api/grids/{code}",
        &format!("/api/grids/{code_b}"),
        Some(&viewer),
    );
    checked(
        "GET",
        "/api/plans/{plan}",
        &format!("/api/plans/{plan_a}"),
        Some(&viewer),
    );
    checked("GET", "/healthz", "/healthz", None);
    checked("GET", "/api/session", "/api/session", Some(&viewer));
    checked("GET", "/api/session", "/api/session", None);
    checked(
        "GET",
        "/api/locate",
        &format!("/api/locate?lon={lon_b}&lat={lat_b}&county={B}"),
        Some(&viewer),
    );

    // Anonymous: everything but the public routes is a 401, writes too.
    for path in [
        "/api/plans",
        "/api/counties",
        "/catalog",
        "/style.json",
        &format!("/tiles/grids/12/{x}/{y}.mvt"),
    ] {
        let r = get(path, None);
        assert_eq!(r.status, 401, "{path}: {}", r.text());
        assert!(r.header("www-authenticate").starts_with("Bearer"), "{path}");
    }
    let activate = format!("/api/plans/{plan_a}/activate");
    let r = checked("POST", "/api/plans/{plan}/activate", &activate, None);
    assert_eq!(r.status, 401);
    // A viewer may read but not write.
    let r = checked(
        "POST",
        "/api/plans/{plan}/activate",
        &activate,
        Some(&viewer),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("planner"), "{}", r.text());
    // A planner writes, and the audit log says so.
    let r = checked(
        "POST",
        "/api/plans/{plan}/activate",
        &activate,
        Some(&planner),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let audit = checked(
        "GET",
        "/api/audit",
        "/api/audit?action=plan.activate",
        Some(&admin),
    )
    .json();
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no audit row: {audit}"))
        .clone();
    assert!(
        entry["actor"].as_str().unwrap().starts_with("token:"),
        "{entry}"
    );
    assert_eq!(entry["role"], "planner");
    assert_eq!(entry["target"], plan_a.to_string());
    assert_eq!(entry["county"], A);
    assert_eq!(entry["address"], "127.0.0.1");
    // Refused writes are audited too.
    let refused = get("/api/audit?outcome=refused", Some(&admin)).json();
    assert!(
        refused["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["role"] == "viewer" && e["status"] == 403),
        "{refused}"
    );
    // Only admins read the audit log.
    assert_eq!(get("/api/audit", Some(&planner)).status, 403);

    // A token scoped to county A sees nothing of county B.
    let pa = get("/api/plans", Some(&viewer_a)).json();
    assert!(
        pa["plans"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["county"] == A),
        "{pa}"
    );
    let cs = get("/api/counties", Some(&viewer_a)).json();
    assert_eq!(cs["counties"].as_array().unwrap().len(), 1);
    for path in [
        format!("/api/plans/{plan_b}"),
        format!("/api/plans/{plan_b}/grids"),
        format!("/api/grids/{code_b}"),
        format!("/api/plans/active/grids?county={B}"),
        format!("/tiles/grids/12/{x}/{y}.mvt?county={B}"),
        format!("/tiles/grids/12/{x}/{y}.mvt?plan={plan_b}"),
        format!("/tiles/roads/12/{x}/{y}.mvt?county={B}"),
        format!("/tiles/grids.json?county={B}"),
        format!("/style.json?county={B}"),
        format!("/catalog?county={B}"),
        format!("/api/plans/{plan_b}/export.geojson"),
        format!("/api/compare?a={plan_b}&b={plan_b}"),
    ] {
        let r = get(&path, Some(&viewer_a));
        assert_eq!(r.status, 404, "{path}: {}", r.text());
    }
    let sel = format!("{{\"codes\":[\"{code_b}\"]}}");
    let r = call(
        port,
        "POST",
        &format!("/api/plans/{plan_b}/export"),
        Some(&viewer_a),
        &[("Content-Type", "application/json")],
        Some(sel.as_bytes()),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    // Its own county it reads.
    assert_eq!(
        get(&format!("/api/grids/{code_a}"), Some(&viewer_a)).status,
        200
    );

    // A token scoped to a town of B sees that town's grids only, in the
    // API and in tiles.
    let town = grids_b["grids"][0]["town_code"].as_str().unwrap()[..9].to_string();
    let viewer_town = token(store, "viewer", &["--scope", &town]);
    accepted(port, &viewer_town);
    let mine = get(
        &format!("/api/plans/active/grids?county={B}"),
        Some(&viewer_town),
    )
    .json();
    let n_mine = mine["count"].as_u64().unwrap();
    assert!(
        n_mine > 0 && n_mine < grids_b["count"].as_u64().unwrap(),
        "{n_mine}"
    );
    assert!(
        mine["grids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["code"].as_str().unwrap().starts_with(&town))
    );
    let (x8, y8) = tile_of(lon_b, lat_b, 8);
    let full = tile_codes(
        &get(
            &format!("/tiles/grids/8/{x8}/{y8}.mvt?county={B}"),
            Some(&viewer),
        )
        .body,
    );
    let scoped = tile_codes(
        &get(
            &format!("/tiles/grids/8/{x8}/{y8}.mvt?county={B}"),
            Some(&viewer_town),
        )
        .body,
    );
    assert!(
        !scoped.is_empty() && scoped.len() < full.len(),
        "{} of {}",
        scoped.len(),
        full.len()
    );
    assert!(scoped.iter().all(|c| c.starts_with(&town)), "{scoped:?}");
    let other_town = grids_b["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .find(|c| !c.starts_with(&town))
        .unwrap()
        .to_string();
    assert_eq!(
        get(&format!("/api/grids/{other_town}"), Some(&viewer_town)).status,
        404
    );

    // Expired and revoked tokens.
    std::thread::sleep(Duration::from_millis(1500));
    let r = get("/api/plans", Some(&expired));
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(get("/api/plans", Some(&doomed)).status, 200);
    let mut args = vec!["tokens", "revoke"];
    args.extend_from_slice(store);
    args.push(&doomed);
    let rv = wangge(&args);
    assert_eq!(rv.code, 0, "{}", rv.all());
    wait_until("the revocation reached the server", || {
        get("/api/plans", Some(&doomed)).status == 401
    });

    // Malformed credentials: 401 naming the problem, never a 5xx.
    let long = format!("Bearer wg_{}", "a".repeat(10 * 1024));
    for (value, says) in [
        ("Bearer abc$%^", "malformed bearer token"),
        (long.as_str(), "malformed bearer token"),
        ("Basic d2FuZzpwdw==", "only Bearer tokens"),
        ("Bearer", "use `Authorization: Bearer"),
        (
            "Bearer wg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "unknown or revoked token",
        ),
    ] {
        let r = send(port, "GET", "/api/plans", &[("Authorization", value)], None);
        assert_eq!(
            r.status,
            401,
            "{}: {}",
            &value[..value.len().min(20)],
            r.text()
        );
        assert!(r.text().contains(says), "{}", r.text());
        doc.check("GET", "/api/plans", &r);
    }

    // A browser session: the admin adds a user, who signs in; writes need
    // the CSRF token.
    let body =
        br#"{"name":"zhao","password":"long enough pass","role":"planner","scope":"110108"}"#;
    let r = call(
        port,
        "POST",
        "/api/users",
        Some(&admin),
        &[("Content-Type", "application/json")],
        Some(body),
    );
    doc.check("POST", "/api/users", &r);
    assert_eq!(r.status, 201, "{}", r.text());
    let r = call(
        port,
        "POST",
        "/api/users",
        Some(&planner),
        &[("Content-Type", "application/json")],
        Some(body),
    );
    assert_eq!(r.status, 403, "only admins add users");
    let r = call(
        port,
        "POST",
        "/api/session",
        None,
        &[("Content-Type", "application/json")],
        Some(br#"{"name":"zhao","password":"wrong password!"}"#),
    );
    doc.check("POST", "/api/session", &r);
    assert_eq!(r.status, 401);
    let r = call(
        port,
        "POST",
        "/api/session",
        None,
        &[("Content-Type", "application/json")],
        Some(br#"{"name":"zhao","password":"long enough pass"}"#),
    );
    doc.check("POST", "/api/session", &r);
    assert_eq!(r.status, 200, "{}", r.text());
    let set_cookie = r.header("set-cookie").to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let other_a = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["county"] == A && p["active"] == false)
        .map(|p| p["id"].as_i64().unwrap())
        .expect("A's second plan");
    let second = format!("/api/plans/{other_a}/activate");
    let with_cookie = |h: &[(&str, &str)], method: &str, path: &str| {
        let mut all = vec![("Cookie", cookie.as_str())];
        all.extend_from_slice(h);
        send(port, method, path, &all, None)
    };
    let me = with_cookie(&[], "GET", "/api/session").json();
    assert_eq!(me["name"], "zhao");
    assert_eq!(me["role"], "planner");
    let r = with_cookie(&[], "POST", &second);
    assert_eq!(r.status, 403, "no CSRF token: {}", r.text());
    assert!(r.text().contains("CSRF"), "{}", r.text());
    let r = with_cookie(&[("X-CSRF-Token", "not-it")], "POST", &second);
    assert_eq!(r.status, 403);
    // A cross-site form post (text/plain, no preflight) changes nothing.
    let before = get("/api/counties", Some(&viewer)).json();
    let r = send(
        port,
        "POST",
        &second,
        &[
            ("Cookie", &cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "text/plain"),
        ],
        Some(b"x"),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        get("/api/counties", Some(&viewer)).json(),
        before,
        "nothing changed"
    );
    // With its token the session writes, within its scope only.
    let r = with_cookie(&[("X-CSRF-Token", &csrf)], "POST", &second);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = with_cookie(
        &[("X-CSRF-Token", &csrf)],
        "POST",
        &format!("/api/plans/{plan_b}/activate"),
    );
    assert_eq!(r.status, 404, "outside its county: {}", r.text());
    // Signing out ends the session.
    let r = with_cookie(&[("X-CSRF-Token", &csrf)], "DELETE", "/api/session");
    assert_eq!(r.status, 204);
    assert_eq!(
        with_cookie(&[], "GET", "/api/session").json()["signed_in"],
        false
    );

    // Cross-origin: a grant for the named origin only.
    let r = call(
        port,
        "GET",
        "/api/plans",
        Some(&viewer),
        &[("Origin", "https://evil.example")],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        "",
        "no grant to a foreign origin"
    );
    let r = call(
        port,
        "GET",
        "/api/plans",
        Some(&viewer),
        &[("Origin", "https://gis.example.org")],
        None,
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        "https://gis.example.org"
    );
    let pre = |origin: &str| {
        send(
            port,
            "OPTIONS",
            "/api/plans",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            None,
        )
    };
    assert_eq!(pre("https://evil.example").status, 403);
    let ok = pre("https://gis.example.org");
    assert_eq!(ok.status, 204);
    assert!(
        ok.header("access-control-allow-headers")
            .contains("authorization")
    );
    // A write from a foreign origin is refused even with a token.
    let r = call(
        port,
        "POST",
        &activate,
        Some(&planner),
        &[("Origin", "https://evil.example")],
        None,
    );
    assert_eq!(r.status, 403, "{}", r.text());

    // A foreign Host is refused (DNS rebinding), before credentials.
    let r = call(
        port,
        "GET",
        "/api/plans",
        Some(&viewer),
        &[("Host", "rebind.example:80")],
        None,
    );
    assert_eq!(r.status, 421, "{}", r.text());
    let r = call(
        port,
        "GET",
        "/api/plans",
        Some(&viewer),
        &[("Host", &format!("localhost:{port}"))],
        None,
    );
    assert_eq!(r.status, 200);

    // A body over the route's limit is refused before it is read.
    let r = send(
        port,
        "POST",
        "/api/partitions",
        &[
            ("Authorization", &bearer(&planner)),
            ("Content-Type", "application/json"),
            ("Content-Length", "900000"),
        ],
        None,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    // Unknown and repeated parameters, by one rule on every route.
    let r = get("/api/plans?county=110108&county=110108", Some(&viewer));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("more than once"), "{}", r.text());
    let r = get("/api/counties?x=1", Some(&viewer));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown"), "{}", r.text());

    // Admin token management over HTTP: issue, list, revoke.
    let r = call(
        port,
        "POST",
        "/api/tokens",
        Some(&admin),
        &[("Content-Type", "application/json")],
        Some(br#"{"role":"screen","name":"wall","expires_days":30}"#),
    );
    doc.check("POST", "/api/tokens", &r);
    assert_eq!(r.status, 201, "{}", r.text());
    let issued = r.json();
    let screen = issued["token"].as_str().unwrap().to_string();
    assert_eq!(get("/api/plans", Some(&screen)).status, 200);
    let listed = checked("GET", "/api/tokens", "/api/tokens", Some(&admin)).text();
    assert!(!listed.contains(&screen), "token text never listed");
    let id = issued["id"].as_i64().unwrap();
    let r = call(
        port,
        "DELETE",
        &format!("/api/tokens/{id}"),
        Some(&admin),
        &[],
        None,
    );
    doc.check("DELETE", "/api/tokens/{id}", &r);
    assert_eq!(r.status, 200);
    assert_eq!(get("/api/plans", Some(&screen)).status, 401);

    drop(server);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.len() > 1000, "the server logged at debug level");
    for secret in [
        &admin,
        &planner,
        &viewer,
        &viewer_a,
        &expired,
        &doomed,
        &viewer_town,
        &screen,
        &csrf,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "a secret is in the server's log"
        );
    }
    assert!(
        !text.contains("long enough pass") && !text.contains(&cookie),
        "a password or session is in the log"
    );
}

#[test]
fn geopackage_platform() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("city.gpkg");
    let args = ["--store", p(&store)];
    prepare(&args);
    suite(&args, dir.path());
}

#[test]
fn postgis_platform() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = PgCluster::start();
    let url = cluster.database("city");
    let args = ["--db", url.as_str()];
    prepare(&args);
    suite(&args, dir.path());
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let args = ["--store", p(&store)];
    let viewer = token(&args, "viewer", &[]);
    let server = common::http::serve(&args, &["--rate-limit", "2", "--rate-burst", "3"]);
    accepted(server.port, &viewer);
    std::thread::sleep(Duration::from_secs(2));
    let codes: Vec<u16> = (0..8)
        .map(|_| call(server.port, "GET", "/api/plans", Some(&viewer), &[], None).status)
        .collect();
    assert!(codes.contains(&429), "{codes:?}");
    let r = call(server.port, "GET", "/api/plans", Some(&viewer), &[], None);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    // Anonymous callers are limited by address, apart from the token.
    let other = call(server.port, "GET", "/healthz", None, &[], None);
    assert_eq!(other.status, 200);
}

#[test]
fn https_serves_http2_with_the_same_pipeline() {
    let (dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs (scripts/setup.sh installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let args = ["--store", p(&store)];
    let viewer = token(&args, "viewer", &[]);
    let port = common::http::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args([
            "serve",
            "--store",
            p(&store),
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--tls-cert", p(&cert), "--tls-key", p(&key)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let curl = |path: &str, auth: Option<&str>| {
        let mut c = std::process::Command::new("curl");
        c.args([
            "-s",
            "--http2",
            "--cacert",
            p(&cert),
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{http_version}",
        ]);
        if let Some(a) = auth {
            c.args(["-H", &format!("Authorization: Bearer {a}")]);
        }
        let out = c
            .arg(format!("https://127.0.0.1:{port}{path}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    wait_until("the HTTPS server started", || {
        curl("/healthz", None).starts_with("200")
    });
    assert_eq!(curl("/healthz", None), "200 2");
    assert_eq!(curl("/api/plans", None), "401 2");
    wait_until("the token is accepted", || {
        curl("/api/plans", Some(&viewer)) == "200 2"
    });
    let _ = child.kill();
    let _ = child.wait();
}
