//! Cases on both stores, over real HTTP: a worker reports in its grid, a
//! village office works the case through its loop with the worker, an
//! illegal move is 409 naming the allowed ones, another village's office
//! and a viewer are refused, the bad-input corpus stores nothing, lists
//! filter and respect scopes, the KPIs count what happened, and an
//! overdue case escalates by itself.

mod common;
use common::http::{accepted, call, send, serve, token};
use common::postgis::PgCluster;
use common::*;

use std::time::Duration;

use serde_json::{Value, json};

fn total(port: u16, token: &str, query: &str) -> i64 {
    let (s, v) = call(port, "GET", &format!("/api/cases{query}"), token, None);
    assert_eq!(s, 200, "{v}");
    v["total"].as_i64().unwrap()
}

/// A point inside a grid: the centre of its box may fall outside a
/// concave grid, so step over the box until /api/locate says so.
fn point_in(port: u16, token: &str, g: &str) -> (f64, f64) {
    let (s, v) = call(port, "GET", &format!("/api/grids/{g}"), token, None);
    assert_eq!(s, 200, "{v}");
    let b: Vec<f64> = v["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for i in 0..361 {
        let fx = f64::from((i % 19 + 9) % 19 + 1) / 20.0;
        let fy = f64::from((i / 19 + 9) % 19 + 1) / 20.0;
        let (lon, lat) = (b[0] + (b[2] - b[0]) * fx, b[1] + (b[3] - b[1]) * fy);
        let path = format!("/api/locate?lon={lon}&lat={lat}");
        let (_, at) = call(port, "GET", &path, token, None);
        if at["grid"]["code"] == g {
            return (lon, lat);
        }
    }
    panic!("no point found inside {g}");
}

fn check_store(store: &[&str], dir: &std::path::Path) {
    prepared(store);
    let out = dir.join("grids.geojson");
    let mut args = vec!["export"];
    args.extend_from_slice(store);
    args.extend_from_slice(&["-o", p(&out)]);
    assert_eq!(wangge(&args).code, 0);
    let grids: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let code = |i: usize| {
        grids["features"][i]["properties"]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (g1, g2) = (code(0), code(1));
    let roster = dir.join("roster.csv");
    std::fs::write(
        &roster,
        format!("id,name,role,grids\nw1,张三,专职网格员,{g1}\n"),
    )
    .unwrap();
    let mut args = vec!["workers", "import"];
    args.extend_from_slice(store);
    args.push(p(&roster));
    assert_eq!(wangge(&args).code, 0);
    // A category whose deadlines run out in about two seconds, to see escalation.
    let cats = dir.join("categories.json");
    std::fs::write(
        &cats,
        r#"{"categories": [
            {"code": "property", "name": "物业管理", "deadline_hours": [24, 48, 72, 120], "target_change": -0.1},
            {"code": "dispute", "name": "矛盾纠纷", "deadline_hours": [4, 8, 24, 48]},
            {"code": "drill", "name": "演练", "deadline_hours": [0.0006, 0.0006, 0.0006, 0.0006]}
        ]}"#,
    )
    .unwrap();
    let village = &g1[..12];
    let phone = token(store, "worker", &["--worker", "w1"]);
    let office = token(store, "dispatcher", &["--scope", village]);
    let other_office = token(
        store,
        "dispatcher",
        &["--scope", &format!("{}002", &g1[..9])],
    );
    let viewer = token(store, "viewer", &[]);
    let admin = token(store, "admin", &[]);
    let server = serve(
        store,
        &["--case-categories", p(&cats), "--escalate-every", "1"],
    );
    let port = server.port;
    for t in [&phone, &office, &other_office, &viewer, &admin] {
        accepted(port, t);
    }
    // A point inside a grid: the centre of its box may fall outside a
    // concave grid, so step over the box until /api/locate says so.
    let point_in = |g: &str| point_in(port, &viewer, g);
    let (lon, lat) = point_in(&g1);
    let (lon2, lat2) = point_in(&g2);

    // The office follows the live stream; another village's does too.
    let mut live = common::sse::Sse::open(port, &office, None);
    let mut elsewhere = common::sse::Sse::open(port, &other_office, None);

    // The worker reports a case in its grid.
    let (s, c) = call(
        port,
        "POST",
        "/api/cases",
        &phone,
        Some(&json!({"category": "物业管理", "lon": lon, "lat": lat, "description": "楼道堆物"})),
    );
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["grid"], g1.as_str());
    assert_eq!(c["village"], village);
    let id = c["id"].as_i64().unwrap();
    let (_, e) = live.until_where("case", |v| v["id"] == id);
    assert_eq!(e["status"], "reported", "{e}");
    assert_eq!(e["grid_code"], g1.as_str(), "{e}");
    let heard = elsewhere.for_a_while(std::time::Duration::from_millis(800));
    assert!(
        heard.iter().all(|(k, _)| k != "case"),
        "another village heard of it: {heard:?}"
    );

    // The bad-input corpus: each refused with its reason, nothing stored.
    let before = total(port, &admin, "");
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            "unknown category",
            &phone,
            json!({"category": "ufo", "lon": lon, "lat": lat}),
            400,
            "unknown category",
        ),
        (
            "outside the county",
            &phone,
            json!({"category": "property", "lon": lon + 1.0, "lat": lat}),
            400,
            "outside every grid",
        ),
        (
            "NaN-like position",
            &office,
            json!({"category": "property", "lon": 1000.0, "lat": lat}),
            400,
            "not a WGS84 position",
        ),
        (
            "in 2099",
            &office,
            json!({"category": "property", "lon": lon, "lat": lat, "time": "2099-01-01T00:00:00Z"}),
            400,
            "future",
        ),
        (
            "an unknown field",
            &office,
            json!({"category": "property", "lon": lon, "lat": lat, "priority": 1}),
            400,
            "priority",
        ),
        (
            "a viewer reporting",
            &viewer,
            json!({"category": "property", "lon": lon, "lat": lat}),
            403,
            "",
        ),
        (
            "another village's office",
            &other_office,
            json!({"category": "property", "lon": lon, "lat": lat}),
            403,
            "outside the scope",
        ),
        (
            "a worker outside its grids",
            &phone,
            json!({"category": "property", "lon": lon2, "lat": lat2}),
            403,
            "not one of this worker's grids",
        ),
    ];
    for (what, who, body, status, says) in &cases {
        let (s, v) = call(port, "POST", "/api/cases", who, Some(body));
        assert_eq!(s, *status, "{what}: {v}");
        assert!(v.to_string().contains(says), "{what}: {v}");
    }
    let r = send(
        port,
        "POST",
        "/api/cases",
        &[("Content-Type", "application/json")],
        Some(b"{}"),
    );
    assert_eq!(r.status, 401);
    let r = send(
        port,
        "POST",
        "/api/cases",
        &[
            ("Authorization", &format!("Bearer {office}")),
            ("Content-Type", "application/json"),
        ],
        Some(b"{\"category\": "),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        total(port, &admin, ""),
        before,
        "nothing stored from a refused report"
    );

    // The loop: the village office accepts and dispatches, the worker
    // handles, the office verifies, closes and follows up.
    let go = |who: &str, body: Value| {
        call(
            port,
            "POST",
            &format!("/api/cases/{id}/transitions"),
            who,
            Some(&body),
        )
    };
    let (s, v) = go(&office, json!({"to": "closed"}));
    assert_eq!(s, 409, "{v}");
    assert!(
        v.to_string()
            .contains("it may become accepted, rejected, duplicate"),
        "{v}"
    );
    let (s, v) = go(&other_office, json!({"to": "accepted"}));
    assert_eq!(s, 404, "another village's office does not see it: {v}");
    let (s, v) = go(&viewer, json!({"to": "accepted"}));
    assert_eq!(s, 403, "{v}");
    let (s, v) = go(&phone, json!({"to": "accepted"}));
    assert_eq!(s, 403, "a worker does not accept: {v}");
    let (s, v) = go(
        &office,
        json!({"to": "accepted", "note": "属实", "seen": 0}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "accepted");
    let (_, e) = live.until_where("case", |v| v["id"] == id && v["status"] == "accepted");
    assert_eq!(e["events"], 1, "{e}");
    let (s, v) = go(&office, json!({"to": "dispatched", "seen": 0}));
    assert_eq!(s, 409, "a stale view: {v}");
    let (s, v) = go(
        &office,
        json!({"to": "dispatched", "unit": "物业公司", "level": 3}),
    );
    assert_eq!(s, 403, "a village office sends no case to the town: {v}");
    let (s, v) = go(&office, json!({"to": "dispatched"}));
    assert_eq!(s, 400, "a dispatch names its unit: {v}");
    let (s, v) = go(&office, json!({"to": "dispatched", "unit": "物业公司"}));
    assert_eq!(s, 200, "{v}");
    let (s, v) = go(&phone, json!({"to": "handled", "note": "已清理"}));
    assert_eq!(s, 200, "{v}");
    let (s, v) = go(&office, json!({"to": "verified"}));
    assert_eq!(s, 200, "{v}");
    let (s, v) = go(&office, json!({"to": "closed"}));
    assert_eq!(s, 200, "{v}");
    let (s, v) = go(&office, json!({"to": "followed_up"}));
    assert_eq!(s, 400, "a follow-up names the satisfaction: {v}");
    let (s, v) = go(
        &office,
        json!({"to": "followed_up", "satisfaction": "满意"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["history"].as_array().unwrap().len(), 6);
    assert_eq!(v["history"][2]["actor"], "worker");
    assert_eq!(v["history"][2]["by"], "w1");
    assert!(
        v["history"][0]["by"]
            .as_str()
            .unwrap()
            .starts_with("token "),
        "{v}"
    );
    // The stored figures are what the history, replayed, leaves.
    let history: Vec<ops::cases::Event> = serde_json::from_value(v["history"].clone()).unwrap();
    let replayed = ops::cases::CaseState::replay(
        ops::positions::UnixMs(v["reported_at"].as_i64().unwrap()),
        ops::cases::Level::new(v["reported_level"].as_u64().unwrap() as u8).unwrap(),
        &history,
    );
    assert_eq!(replayed.status.as_str(), v["status"]);
    assert_eq!(
        i64::from(replayed.level.get()),
        v["level"].as_i64().unwrap()
    );
    assert_eq!(replayed.closed.map(|t| t.0), v["closed_at"].as_i64());
    assert_eq!(
        replayed.dispatched.map(|t| t.0),
        v["dispatched_at"].as_i64()
    );
    assert_eq!(replayed.since.0, v["since"].as_i64().unwrap());
    // And the KPI columns, which spare the KPIs the events.
    assert_eq!(replayed.accepted.map(|t| t.0), v["accepted_at"].as_i64());
    assert_eq!(
        replayed.dispatch_level.map(|l| i64::from(l.get())),
        v["dispatch_level"].as_i64()
    );
    assert_eq!(
        replayed.last_satisfaction.map(|s| s.as_str()),
        v["last_satisfaction"].as_str()
    );
    assert_eq!(Some(replayed.last_at.0), v["last_at"].as_i64());
    let closed_at = v["closed_at"].as_i64().unwrap();
    assert_eq!(v["allowed"], json!(["reopened"]));
    let (s, v) = call(
        port,
        "GET",
        &format!("/api/cases/{id}"),
        &other_office,
        None,
    );
    assert_eq!(s, 404, "{v}");
    let (s, v) = call(port, "GET", "/api/cases/999999", &admin, None);
    assert_eq!(s, 404, "{v}");

    // A hotline work order reported twice is one case.
    let order = json!({"category": "dispute", "lon": lon, "lat": lat, "source": "hotline", "external_id": "12345-0001"});
    let (s, a) = call(port, "POST", "/api/cases", &office, Some(&order));
    assert_eq!(s, 201, "{a}");
    let (s, b) = call(port, "POST", "/api/cases", &office, Some(&order));
    assert_eq!(
        (s, &b["id"], &b["created"]),
        (200, &a["id"], &json!(false)),
        "{b}"
    );

    // Lists: filters, and scopes that hide what lies outside them.
    assert_eq!(total(port, &office, ""), 2);
    assert_eq!(total(port, &office, "?status=followed_up"), 1);
    assert_eq!(total(port, &office, "?status=open"), 1);
    assert_eq!(total(port, &office, "?source=hotline"), 1);
    assert_eq!(total(port, &office, "?category=物业管理"), 1);
    assert_eq!(total(port, &office, &format!("?within={g1}")), 2);
    assert_eq!(total(port, &other_office, ""), 0);
    let (s, _) = call(port, "GET", "/api/cases?status=lost", &office, None);
    assert_eq!(s, 400);
    let (s, _) = call(port, "GET", "/api/cases?within=11a", &office, None);
    assert_eq!(s, 400);

    // KPIs by village: two cases, one closed, satisfied.
    let (s, k) = call(port, "GET", "/api/kpi/cases?by=village", &viewer, None);
    assert_eq!(s, 200, "{k}");
    let area = k["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == village)
        .unwrap();
    assert_eq!(area["reported"], 2, "{area}");
    assert_eq!(area["closed"], 1);
    assert_eq!(area["satisfaction_rate"], 1.0);
    assert_eq!(area["grids_reporting"], 1, "the worker reported in g1");
    let r = send(
        port,
        "GET",
        "/api/kpi/cases?by=village&format=csv",
        &[("Authorization", &format!("Bearer {viewer}"))],
        None,
    );
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.starts_with("area,grids,grids_reporting,coverage,reported,"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(&format!("{village},"))),
        "{text}"
    );
    let (s, _) = call(port, "GET", "/api/kpi/cases?format=xlsx", &viewer, None);
    assert_eq!(s, 400);
    // A period that ends as the case closed sees it open: its row's state
    // came later, so its events are replayed up to the period's end.
    let path = format!(
        "/api/kpi/cases?by=village&from={}&to={closed_at}",
        closed_at - 3_600_000
    );
    let (s, early) = call(port, "GET", &path, &viewer, None);
    assert_eq!(s, 200, "{early}");
    let area = early["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == village)
        .unwrap();
    assert_eq!(
        (
            &area["reported"],
            &area["accepted"],
            &area["closed"],
            &area["open"],
            &area["followed_up"]
        ),
        (&json!(1), &json!(1), &json!(0), &json!(1), &json!(0)),
        "{area}"
    );
    let prop = k["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "property")
        .unwrap();
    assert_eq!(prop["count"], 1);

    // Hot spots: every case counted on a cell of the zero-filled county;
    // rates per 1,000 residents by grid.
    let (s, h) = call(port, "GET", "/api/hotspots?res=9&k=1", &viewer, None);
    assert_eq!(s, 200, "{h}");
    let cells = h["cells"].as_array().unwrap();
    assert!(cells.len() > 50, "zero-filled: {}", cells.len());
    assert_eq!(
        cells
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );
    let g = h["grids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["grid"] == g1.as_str())
        .unwrap();
    assert_eq!(g["cases"], 2, "{g}");
    assert!(g["per_1000"].as_f64().unwrap() > 0.0);
    for bad in [
        "res=12",
        "k=0",
        "category=ufo",
        "from=yesterday",
        "permutations=100000",
    ] {
        let (s, v) = call(port, "GET", &format!("/api/hotspots?{bad}"), &viewer, None);
        assert_eq!(s, 400, "{bad}: {v}");
    }
    // The cases tiles: the open hotline case and the closed one of today.
    let (x, y) = common::http::tile_of(lon, lat, 14);
    let r = send(
        port,
        "GET",
        &format!("/tiles/cases/14/{x}/{y}.mvt"),
        &[("Authorization", &format!("Bearer {viewer}"))],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let shown = common::http::tile_features(&r.body, "cases");
    let statuses: std::collections::BTreeSet<&str> = shown
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("followed_up") && statuses.contains("reported"),
        "{shown:?}"
    );
    assert!(shown.iter().all(|f| f["grid"] == g1.as_str()));
    let r = send(
        port,
        "GET",
        &format!("/tiles/cases/14/{x}/{y}.mvt"),
        &[("Authorization", &format!("Bearer {other_office}"))],
        None,
    );
    assert_eq!(
        r.status, 204,
        "another village's office sees no case of this one"
    );

    // A 12345 hotline import: each row a case or an error naming its line;
    // a number stored before is left as it is.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let csv = format!(
        "工单编号,时间,类别,经度,纬度,描述\n\
         12345-0002,{t},物业管理,{lon},{lat},电梯故障\n\
         12345-0003,2026-11-31 25:00,物业管理,{lon},{lat},坏日期\n\
         12345-0004,{t},ufo,{lon},{lat},未知类别\n\
         12345-0001,{t},矛盾纠纷,{lon},{lat},重复\n\
         12345-0005,{t},dispute,{lon},{lat},\n"
    );
    let auth = format!("Bearer {office}");
    let import = |ct: &str| {
        send(
            port,
            "POST",
            "/api/cases/import",
            &[("Authorization", &auth), ("Content-Type", ct)],
            Some(csv.as_bytes()),
        )
    };
    let r = import("application/json");
    assert_eq!(r.status, 415, "{}", r.text());
    let before = total(port, &admin, "");
    let r = import("text/csv");
    assert_eq!(r.status, 200, "{}", r.text());
    let rep = r.json();
    assert_eq!(
        (
            rep["rows"].as_u64(),
            rep["created"].as_u64(),
            rep["existing"].as_u64()
        ),
        (Some(5), Some(2), Some(1)),
        "{rep}"
    );
    let lines: Vec<u64> = rep["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4], "{rep}");
    assert!(
        rep["errors"][0]["error"].as_str().unwrap().contains("time"),
        "{rep}"
    );
    assert!(
        rep["errors"][1]["error"]
            .as_str()
            .unwrap()
            .contains("unknown category"),
        "{rep}"
    );
    assert_eq!(total(port, &admin, ""), before + 2);
    let r = import("text/csv");
    assert_eq!(
        r.json()["existing"],
        3,
        "a second import stores nothing again"
    );
    assert_eq!(total(port, &admin, ""), before + 2);
    assert_eq!(total(port, &office, "?source=hotline"), 3);
    // Export: GeoJSON points and CSV rows, the same cases as the list.
    let (s, g) = call(port, "GET", "/api/cases?format=geojson", &office, None);
    assert_eq!(s, 200, "{g}");
    assert_eq!(
        g["features"].as_array().unwrap().len() as i64,
        total(port, &office, "")
    );
    assert_eq!(g["features"][0]["geometry"]["type"], "Point");
    let r = send(
        port,
        "GET",
        "/api/cases?format=csv",
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.starts_with("id,reported_at,lon,lat,grid_code,"),
        "{text}"
    );
    assert_eq!(text.lines().count() as i64, total(port, &office, "") + 1);
    let (s, _) = call(port, "GET", "/api/cases?format=xlsx", &office, None);
    assert_eq!(s, 400);

    // A drill case overdue in two seconds goes up a level by itself.
    let (s, d) = call(
        port,
        "POST",
        "/api/cases",
        &office,
        Some(&json!({"category": "drill", "lon": lon, "lat": lat})),
    );
    assert_eq!(s, 201, "{d}");
    let did = d["id"].as_i64().unwrap();
    for to in ["accepted", "dispatched"] {
        let (s, v) = call(
            port,
            "POST",
            &format!("/api/cases/{did}/transitions"),
            &office,
            Some(&json!({"to": to, "unit": "演练组"})),
        );
        assert_eq!(s, 200, "{v}");
    }
    // Overdue again at the village level, it goes on to the town, out of
    // the village office's reach.
    let start = std::time::Instant::now();
    loop {
        let (_, v) = call(port, "GET", &format!("/api/cases/{did}"), &admin, None);
        if v["level"].as_i64() >= Some(3) {
            let h = v["history"].as_array().unwrap();
            let system: Vec<&Value> = h.iter().filter(|e| e["actor"] == "system").collect();
            assert_eq!(system.len(), 2, "{v}");
            assert!(
                system[0]["note"]
                    .as_str()
                    .unwrap()
                    .contains("escalated to level 2"),
                "{v}"
            );
            assert_eq!(v["escalations"], 2);
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "not escalated: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let (s, v) = call(
        port,
        "POST",
        &format!("/api/cases/{did}/transitions"),
        &office,
        Some(&json!({"to": "handled"})),
    );
    assert_eq!(s, 403, "{v}");
    assert!(v.to_string().contains("above this account's level"), "{v}");
    // At the county it can go no higher: it stays on the overdue list
    // (and the closed case never is on it).
    let start = std::time::Instant::now();
    loop {
        let (s, v) = call(port, "GET", "/api/cases?overdue=true", &admin, None);
        assert_eq!(s, 200, "{v}");
        let ids: Vec<i64> = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert!(!ids.contains(&id), "{v}");
        if ids == [did] && v["cases"][0]["level"] == 4 {
            assert_eq!(v["cases"][0]["overdue"], true);
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "{v}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let tokens = Tokens {
        phone,
        office,
        other_office,
        viewer,
        admin,
    };
    open311(port, &tokens, (lon, lat), &g1);
}

/// Open311 GeoReport v2 as an Open311 client speaks it: services without a
/// key, a form-encoded report with `api_key` in the body or the query,
/// requests listed and read with open/closed statuses, and each refusal
/// in Open311's error shape, storing nothing.
fn open311(port: u16, tokens: &Tokens, (lon, lat): (f64, f64), g1: &str) {
    let form = |path: &str, body: &str, auth: Option<&str>, ctype: &str| {
        let bearer = auth.map(|t| format!("Bearer {t}"));
        let mut h = vec![("Content-Type", ctype)];
        if let Some(b) = &bearer {
            h.push(("Authorization", b.as_str()));
        }
        send(port, "POST", path, &h, Some(body.as_bytes()))
    };
    const FORM: &str = "application/x-www-form-urlencoded";
    let r = common::http::get(port, "/open311/v2/services.json");
    assert_eq!(r.status, 200, "{}", r.text());
    let services = r.json();
    let property = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "property")
        .unwrap_or_else(|| panic!("{services}"));
    assert_eq!(property["service_name"], "物业管理");
    assert_eq!(property["metadata"], false);
    assert_eq!(property["type"], "realtime");

    let before = total(port, &tokens.admin, "");
    let fields = format!(
        "service_code=property&lat={lat}&long={lon}&description=%E5%A0%86%E7%89%A9&first_name=Li&last_name=Si"
    );
    // The refusals first: each stores nothing.
    for (why, body, auth, ctype, status, says) in [
        ("no key", fields.clone(), None, FORM, 401, ""),
        (
            "an unknown key",
            format!("{fields}&api_key=wg_nobody"),
            None,
            FORM,
            401,
            "",
        ),
        (
            "a viewer's key",
            format!("{fields}&api_key={}", tokens.viewer),
            None,
            FORM,
            403,
            "",
        ),
        (
            "a worker's key",
            fields.clone(),
            Some(tokens.phone.as_str()),
            FORM,
            403,
            "",
        ),
        (
            "unknown service",
            format!(
                "service_code=ufo&lat={lat}&long={lon}&api_key={}",
                tokens.office
            ),
            None,
            FORM,
            400,
            "unknown category",
        ),
        (
            "no position",
            format!("service_code=property&api_key={}", tokens.office),
            None,
            FORM,
            400,
            "lat is required",
        ),
        (
            "an address only",
            format!(
                "service_code=property&address_string=x&api_key={}",
                tokens.office
            ),
            None,
            FORM,
            400,
            "no address lookup",
        ),
        (
            "a broken latitude",
            format!(
                "service_code=property&lat=north&long={lon}&api_key={}",
                tokens.office
            ),
            None,
            FORM,
            400,
            "not a number",
        ),
        (
            "outside the county",
            format!(
                "service_code=property&lat=10&long=10&api_key={}",
                tokens.office
            ),
            None,
            FORM,
            400,
            "outside every grid",
        ),
        (
            "another village",
            fields.clone(),
            Some(tokens.other_office.as_str()),
            FORM,
            403,
            "outside the scope",
        ),
        (
            "JSON, not a form",
            r#"{"service_code":"property"}"#.to_string(),
            Some(tokens.office.as_str()),
            "application/json",
            415,
            "form-encoded",
        ),
        (
            "a huge form",
            format!("{fields}&description={}", "x".repeat(70_000)),
            Some(tokens.office.as_str()),
            FORM,
            413,
            "",
        ),
    ] {
        let r = form("/open311/v2/requests.json", &body, auth, ctype);
        assert_eq!(r.status, status, "{why}: {}", r.text());
        if !says.is_empty() {
            let v = r.json();
            assert_eq!(v[0]["code"], status, "{why}: Open311's error shape: {v}");
            assert!(
                v[0]["description"].as_str().unwrap().contains(says),
                "{why}: {v}"
            );
        }
    }
    assert_eq!(
        total(port, &tokens.admin, ""),
        before,
        "a refused request stored nothing"
    );

    // The key in the form body, then in the query string.
    let r = form(
        "/open311/v2/requests.json",
        &format!("{fields}&api_key={}", tokens.office),
        None,
        FORM,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id: i64 = r.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = form(
        &format!("/open311/v2/requests.json?api_key={}", tokens.office),
        &fields,
        None,
        FORM,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let (_, c) = call(
        port,
        "GET",
        &format!("/api/cases/{id}"),
        &tokens.admin,
        None,
    );
    assert_eq!(c["source"], "citizen", "{c}");
    assert_eq!(c["reporter"], "Li Si", "{c}");
    assert_eq!(c["grid_code"], g1, "{c}");
    assert_eq!(c["description"], "堆物", "{c}");

    // Listed and read as Open311 shows them.
    let sid = id.to_string();
    let get = |path: &str, key: &str| {
        let r = common::http::get(
            port,
            &format!(
                "{path}{}api_key={key}",
                if path.contains('?') { '&' } else { '?' }
            ),
        );
        (
            r.status,
            if r.body.is_empty() {
                Value::Null
            } else {
                r.json()
            },
        )
    };
    let (s, v) = get(
        "/open311/v2/requests.json?status=open&service_code=property",
        &tokens.office,
    );
    assert_eq!(s, 200, "{v}");
    let listed: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service_request_id"] == sid.as_str())
        .collect();
    assert_eq!(listed.len(), 1, "{v}");
    assert_eq!(listed[0]["status"], "open");
    assert_eq!(listed[0]["service_name"], "物业管理");
    assert!((listed[0]["lat"].as_f64().unwrap() - lat).abs() < 1e-9);
    assert!(listed[0]["expected_datetime"].is_string(), "{v}");
    let (_, v) = get("/open311/v2/requests.json?status=closed", &tokens.office);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "closed"),
        "{v}"
    );
    let (s, v) = get("/open311/v2/requests.json?status=pending", &tokens.office);
    assert_eq!((s, &v[0]["code"]), (400, &json!(400)), "{v}");
    // Another village's office neither lists nor reads it.
    let (_, v) = get("/open311/v2/requests.json", &tokens.other_office);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| r["service_request_id"] != sid.as_str()),
        "{v}"
    );
    let (s, v) = get(
        &format!("/open311/v2/requests/{id}.json"),
        &tokens.other_office,
    );
    assert_eq!((s, &v[0]["code"]), (404, &json!(404)), "{v}");
    let (s, _) = get(&format!("/open311/v2/requests/{id}.json"), "wg_nobody");
    assert_eq!(s, 401);
    // Rejected: closed for Open311, with wangge's status in the notes.
    let (s, v) = call(
        port,
        "POST",
        &format!("/api/cases/{id}/transitions"),
        &tokens.office,
        Some(&json!({"to": "rejected", "note": "物业自行处理"})),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v) = get(&format!("/open311/v2/requests/{id}.json"), &tokens.office);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["status"], "closed", "{v}");
    let notes = v[0]["status_notes"].as_str().unwrap();
    assert!(
        notes.contains("rejected") && notes.contains("物业自行处理"),
        "{notes}"
    );
    assert!(v[0]["expected_datetime"].is_null(), "{v}");
    let (_, v) = get(
        &format!("/open311/v2/requests.json?service_request_id={id}"),
        &tokens.office,
    );
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["status"], "closed");
    let (s, _) = get("/open311/v2/requests/nonsense", &tokens.office);
    assert_eq!(s, 404);
}

/// The tokens the case tests act with.
struct Tokens {
    phone: String,
    office: String,
    other_office: String,
    viewer: String,
    admin: String,
}

/// Reports cases and moves each along while the server gets `kill -9`:
/// afterwards every acknowledged event is stored, and each case's stored
/// figures are what its stored history leaves.
fn crash_during_moves(store: &[&str]) {
    prepared(store);
    let admin = token(store, "admin", &[]);
    let server = serve(store, &["--rate-limit", "0"]);
    let port = server.port;
    accepted(port, &admin);
    let (s, v) = call(port, "GET", "/api/plans/active/grids", &admin, None);
    assert_eq!(s, 200, "{v}");
    let g = v["grids"][0]["code"].as_str().unwrap().to_string();
    let (lon, lat) = point_in(port, &admin, &g);
    let steps = ["accepted", "dispatched", "handled", "verified", "closed"];
    let worker = {
        let admin = admin.clone();
        std::thread::spawn(move || {
            // (case, events acknowledged)
            let mut acked: Vec<(i64, usize)> = Vec::new();
            let alive = |r: std::thread::Result<(u16, Value)>| r.ok().filter(|(s, _)| *s < 500);
            'run: for _ in 0..2000 {
                let body = json!({"category": "property", "lon": lon, "lat": lat});
                let Some((201, c)) = alive(std::panic::catch_unwind(|| {
                    call(port, "POST", "/api/cases", &admin, Some(&body))
                })) else {
                    break;
                };
                let id = c["id"].as_i64().unwrap();
                acked.push((id, 0));
                for to in steps {
                    let body = json!({"to": to, "unit": "u"});
                    let path = format!("/api/cases/{id}/transitions");
                    match alive(std::panic::catch_unwind(|| {
                        call(port, "POST", &path, &admin, Some(&body))
                    })) {
                        Some((200, _)) => acked.last_mut().unwrap().1 += 1,
                        Some((s, v)) => panic!("case {id} to {to}: {s} {v}"),
                        None => break 'run,
                    }
                }
            }
            acked
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    let st = std::process::Command::new("kill")
        .args(["-9", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let acked = worker.join().unwrap();
    drop(server);
    assert!(
        acked.len() > 2,
        "too few cases before the crash: {}",
        acked.len()
    );
    let server = serve(store, &["--rate-limit", "0"]);
    accepted(server.port, &admin);
    for (id, n) in acked {
        let (s, v) = call(
            server.port,
            "GET",
            &format!("/api/cases/{id}"),
            &admin,
            None,
        );
        assert_eq!(s, 200, "{v}");
        let history: Vec<ops::cases::Event> = serde_json::from_value(v["history"].clone()).unwrap();
        // The move in flight may or may not have been stored, never half.
        assert!(
            history.len() == n || history.len() == n + 1,
            "case {id}: {n} acknowledged, {} stored",
            history.len()
        );
        assert_eq!(v["events"].as_u64(), Some(history.len() as u64), "{v}");
        let replayed = ops::cases::CaseState::replay(
            ops::positions::UnixMs(v["reported_at"].as_i64().unwrap()),
            ops::cases::Level::GRID,
            &history,
        );
        assert_eq!(replayed.status.as_str(), v["status"], "{v}");
    }
}

#[test]
fn kill_9_during_moves_loses_no_acknowledged_event_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    crash_during_moves(&["--store", p(&store)]);
}

#[test]
fn kill_9_during_moves_loses_no_acknowledged_event_postgis() {
    let cluster = PgCluster::start();
    let url = cluster.database("crash");
    crash_during_moves(&["--db", url.as_str()]);
}

#[test]
fn cases_on_a_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    check_store(&["--store", p(&store)], dir.path());
}

#[test]
fn cases_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = PgCluster::start();
    let url = cluster.database("cases");
    check_store(&["--db", url.as_str()], dir.path());
}
