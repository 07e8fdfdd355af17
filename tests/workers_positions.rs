//! Grid workers and their GPS fixes on both stores, over real HTTP: the
//! roster imported by the CLI (stale grid codes listed), phones posting
//! batches with worker tokens (resends store nothing twice, GCJ-02 is
//! stored as WGS84), the bad-input corpus refused whole with reasons and
//! nothing stored, the worker list with online state, patrols and replay.

mod common;
use common::http::{accepted, call, send, serve, tile_features, tile_of, token};
use common::postgis::PgCluster;
use common::sse::Sse;
use common::*;

use serde_json::{Value, json};

/// Unix seconds now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A walk east at about 1 m/s, one fix a second, from `(lon, lat)`.
fn walk(worker: &str, t0: i64, secs: i64, lon: f64, lat: f64) -> Vec<Value> {
    (0..secs)
        .map(|s| {
            json!({"worker": worker, "time": t0 + s, "lon": lon + s as f64 * 1.17e-5, "lat": lat,
                   "accuracy": 6.0, "speed": 1.0, "heading": 90.0, "battery": 80.0})
        })
        .collect()
}

/// Points the replay of `worker` over the last two hours holds.
fn replayed(port: u16, token: &str, worker: &str) -> usize {
    let from = now() - 7200;
    let (s, v) = call(
        port,
        "GET",
        &format!("/api/workers/{worker}/replay?from={from}"),
        token,
        None,
    );
    assert_eq!(s, 200, "{v}");
    v["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["path"].as_array().unwrap().len())
        .sum()
}

fn check_store(store: &[&str], dir: &std::path::Path) {
    prepared(store);
    // Two real grid codes of the plan in force, one that does not exist.
    let out = dir.join("grids.geojson");
    let mut args = vec!["export"];
    args.extend_from_slice(store);
    args.extend_from_slice(&["-o", p(&out)]);
    assert_eq!(wangge(&args).code, 0);
    let grids: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let f0 = &grids["features"][0]["properties"];
    let g1 = f0["code"].as_str().unwrap().to_string();
    let g2 = grids["features"][1]["properties"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let roster = dir.join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "id,name,role,grids,phone\nw1,张三,专职网格员,{g1},13800000001\nw2,李四,网格长,{g1};{g2},\nw3,王五,兼职网格员,110108001001099,\n"
        ),
    )
    .unwrap();
    let mut args = vec!["workers", "import"];
    args.extend_from_slice(store);
    args.push(p(&roster));
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("3 workers added"), "{}", r.all());
    assert!(
        r.stderr.contains(
            "worker w3 is assigned codes the plan in force does not have: 110108001001099"
        ),
        "{}",
        r.all()
    );
    // A roster naming a grid of another county is refused, nothing stored.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "id,name,role,grids\nw9,赵六,专职,360681001001001\n").unwrap();
    let mut args = vec!["workers", "import"];
    args.extend_from_slice(store);
    args.push(p(&bad));
    let r = wangge(&args);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("outside county 110108"), "{}", r.all());

    let phone1 = token(store, "worker", &["--worker", "w1"]);
    let mut args = vec!["tokens", "issue"];
    args.extend_from_slice(store);
    args.extend_from_slice(&["--role", "worker", "--worker", "ghost"]);
    let r = wangge(&args);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("no worker ghost on the roster"),
        "{}",
        r.all()
    );
    let admin = token(store, "admin", &[]);
    let viewer = token(store, "viewer", &[]);
    let server = serve(store, &[]);
    let port = server.port;
    accepted(port, &viewer);

    // Where w1 walks: the middle of its grid's box.
    let bbox: Vec<f64> = {
        let (s, v) = call(port, "GET", &format!("/api/grids/{g1}"), &viewer, None);
        assert_eq!(s, 200, "{v}");
        v["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (lon, lat) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let t0 = now() - 3600;
    let batch = Value::Array(walk("w1", t0, 1200, lon, lat));
    let (s, v) = call(port, "POST", "/api/positions", &phone1, Some(&batch));
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["accepted"].as_u64(), v["duplicates"].as_u64()),
        (Some(1200), Some(0)),
        "{v}"
    );
    // A resend (the phone never saw the answer) stores nothing twice.
    let (s, v) = call(port, "POST", "/api/positions", &phone1, Some(&batch));
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["accepted"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(1200)),
        "{v}"
    );
    assert_eq!(replayed(port, &viewer, "w1"), 1200);

    // GCJ-02 in, WGS84 stored: the latest fix is the inverse of what was sent.
    // (where the walk ends, a second after its last fix)
    let end = lon + 1200.0 * 1.17e-5;
    let gcj = ops::coords::gcj02::from_wgs84(geo_types::Coord { x: end, y: lat });
    let one = json!([{"time": t0 + 1200, "lon": gcj.x, "lat": gcj.y}]);
    let (s, v) = call(
        port,
        "POST",
        "/api/positions?crs=gcj02",
        &phone1,
        Some(&one),
    );
    assert_eq!(s, 200, "{v}");
    let (s, w) = call(port, "GET", "/api/workers/w1", &viewer, None);
    assert_eq!(s, 200, "{w}");
    let got = (
        w["latest"]["lon"].as_f64().unwrap(),
        w["latest"]["lat"].as_f64().unwrap(),
    );
    assert!(
        (got.0 - end).abs() < 1e-7 && (got.1 - lat).abs() < 1e-7,
        "{w}"
    );
    assert_eq!(w["online"], false, "a fix 40 minutes old is offline: {w}");
    assert_eq!(w["role_name"], "专职网格员");

    // The bad-input corpus: each refused whole, with its reason, nothing stored.
    let before = replayed(port, &viewer, "w1");
    let fresh = now() - 60;
    let swapped = json!([{"time": fresh, "lon": lat, "lat": lon}]);
    let metres = json!([{"time": fresh, "lon": 441_000.0, "lat": 4_428_000.0}]);
    let types = json!([{"time": fresh, "lon": "116.3", "lat": lat}]);
    let mixed = json!([{"time": fresh, "lon": lon, "lat": lat}, {"worker": "w2", "time": fresh + 1, "lon": lon, "lat": lat}]);
    let future = json!([{"time": 4_070_908_800i64, "lon": lon, "lat": lat}]);
    let far = json!([{"time": fresh, "lon": lon + 1.0, "lat": lat}]);
    let nobody = json!([{"worker": "ghost", "time": fresh, "lon": lon, "lat": lat}]);
    // (what, token, JSON body or raw bytes, status, what the answer says)
    type Case<'a> = (
        &'a str,
        &'a str,
        Option<&'a Value>,
        Option<&'a [u8]>,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            &phone1,
            None,
            Some(b"[{\"time\": 1,"),
            400,
            "JSON",
        ),
        (
            "wrong types",
            &phone1,
            Some(&types),
            None,
            400,
            "'lon' must be a number",
        ),
        (
            "swapped lon/lat",
            &phone1,
            Some(&swapped),
            None,
            400,
            "swapped",
        ),
        (
            "projected metres",
            &phone1,
            Some(&metres),
            None,
            400,
            "projected metres",
        ),
        (
            "another worker's id",
            &phone1,
            Some(&mixed),
            None,
            403,
            "not w2",
        ),
        ("2099", &phone1, Some(&future), None, 422, "future"),
        (
            "outside the county",
            &phone1,
            Some(&far),
            None,
            422,
            "outside_county",
        ),
        (
            "unknown worker",
            &admin,
            Some(&nobody),
            None,
            422,
            "unknown_worker",
        ),
        ("a viewer posting", &viewer, Some(&swapped), None, 403, ""),
    ];
    for (what, tok, body, raw, status, says) in cases {
        let auth = format!("Bearer {tok}");
        let bytes = raw
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| serde_json::to_vec(body.unwrap()).unwrap());
        let r = send(
            port,
            "POST",
            "/api/positions",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(&bytes),
        );
        assert_eq!(r.status, status, "{what}: {}", r.text());
        assert!(r.text().contains(says), "{what}: {}", r.text());
    }
    // Past --max-batch, and past the body limit: 413 before anything is read.
    let many = Value::Array(walk("w1", fresh - 20_000, 10_001, lon, lat));
    let (s, v) = call(port, "POST", "/api/positions", &phone1, Some(&many));
    assert_eq!(s, 413, "{v}");
    let huge = vec![b' '; 5 * 1024 * 1024];
    let auth = format!("Bearer {phone1}");
    let r = send(
        port,
        "POST",
        "/api/positions",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(&huge),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    let r = send(
        port,
        "POST",
        "/api/positions",
        &[("Content-Type", "application/json")],
        Some(b"[]"),
    );
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(
        replayed(port, &viewer, "w1"),
        before,
        "nothing stored from a refused batch"
    );

    // The OsmAnd protocol: the token in the URL (Traccar Client and OsmAnd
    // send no headers), speed in knots; Traccar Client's JSON body too.
    let q = |id: &str, t: i64, key: &str, acc: f64| {
        format!(
            "/api/osmand?id={id}&lat={lat}&lon={end}&timestamp={t}&speed=1.9&bearing=90&accuracy={acc}&batt=71&altitude=50&key={key}"
        )
    };
    let r = send(port, "GET", &q("w1", t0 + 1201, &phone1, 5.0), &[], None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["accepted"], 1, "{}", r.text());
    let r = send(port, "GET", &q("w1", t0 + 1202, &phone1, 5000.0), &[], None);
    assert_eq!(
        r.status,
        200,
        "a refused fix is not resent for ever: {}",
        r.text()
    );
    assert_eq!(
        r.json()["reasons"][0]["reason"],
        "inaccurate",
        "{}",
        r.text()
    );
    let r = send(port, "GET", &q("w2", t0 + 1203, &phone1, 5.0), &[], None);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = send(port, "GET", &q("w1", t0 + 1204, "wg_wrong", 5.0), &[], None);
    assert_eq!(r.status, 401, "{}", r.text());
    let traccar = json!({"device_id": "w1", "location": {"timestamp": t0 + 1205,
        "coords": {"latitude": lat, "longitude": end, "accuracy": 4, "speed": -1, "heading": -1},
        "battery": {"level": 0.7}}});
    let (s, v) = call(port, "POST", "/api/osmand", &phone1, Some(&traccar));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["accepted"], 1, "{v}");

    // A fresh fix makes w1 online; the list counts it.
    let live = json!([{"time": now() - 5, "lon": lon, "lat": lat}]);
    let (s, v) = call(port, "POST", "/api/positions", &phone1, Some(&live));
    assert_eq!(s, 200, "{v}");
    let (s, list) = call(port, "GET", "/api/workers", &viewer, None);
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["workers"].as_array().unwrap().len(), 3);
    assert_eq!(list["online"], 1, "{list}");
    let w3 = list["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "w3")
        .unwrap();
    assert_eq!(w3["stale_grids"], json!(["110108001001099"]));

    // The live stream: a committed fix arrives as an event within the
    // coalescing second; a client resuming with Last-Event-ID gets what it
    // missed from the window.
    let mut live = Sse::open(port, &viewer, None);
    assert!(live.head.starts_with("HTTP/1.1 200"), "{}", live.head);
    assert!(
        live.head
            .to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{}",
        live.head
    );
    assert!(
        live.head
            .to_ascii_lowercase()
            .contains("x-accel-buffering: no"),
        "{}",
        live.head
    );
    let t = now();
    let (s, v) = call(
        port,
        "POST",
        "/api/positions",
        &phone1,
        Some(&json!([{"time": t, "lon": lon, "lat": lat}])),
    );
    assert_eq!(s, 200, "{v}");
    let (first, data) = live.until("position", "w1");
    assert_eq!(data["t"].as_i64(), Some(t * 1000), "{data}");
    let first = first.expect("an event id");
    let (s, _) = call(
        port,
        "POST",
        "/api/positions",
        &phone1,
        Some(&json!([{"time": t + 1, "lon": lon, "lat": lat}])),
    );
    assert_eq!(s, 200);
    let (second, _) = live.until("position", "w1");
    let mut resumed = Sse::open(port, &viewer, Some(first));
    let (again, data) = resumed.until("position", "w1");
    assert_eq!(again, second, "the missed event comes first on resume");
    assert_eq!(data["t"].as_i64(), Some((t + 1) * 1000));
    let r = send(
        port,
        "GET",
        "/api/live",
        &[
            ("Authorization", &format!("Bearer {viewer}")),
            ("Last-Event-ID", "x"),
        ],
        None,
    );
    assert_eq!(r.status, 400);
    let r = send(port, "GET", "/api/live", &[], None);
    assert_eq!(r.status, 401);

    // The phone sees itself, not the others; unknown ids are 404.
    let (s, _) = call(port, "GET", "/api/workers/w1", &phone1, None);
    assert_eq!(s, 200);
    let (s, _) = call(port, "GET", "/api/workers/w2", &phone1, None);
    assert_eq!(s, 404);
    let (s, _) = call(port, "GET", "/api/workers/nobody", &viewer, None);
    assert_eq!(s, 404);

    // Patrols: the 20-minute walk is one patrol of about 1,200 m.
    let from = now() - 7200;
    let (s, v) = call(
        port,
        "GET",
        &format!("/api/workers/w1/patrols?from={from}"),
        &viewer,
        None,
    );
    assert_eq!(s, 200, "{v}");
    let first = &v["patrols"][0];
    let d = first["distance_m"].as_f64().unwrap();
    assert!((d - 1200.0).abs() < 60.0, "{v}");
    assert!(
        first["line"].as_array().unwrap().len() < 20,
        "a straight walk simplifies to a few vertices"
    );
    // Replay timestamps count seconds from the period's start.
    let (s, r) = call(
        port,
        "GET",
        &format!("/api/workers/w1/replay?from={t0}"),
        &viewer,
        None,
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["start"].as_i64(), Some(t0));
    assert_eq!(r["trips"][0]["timestamps"][0].as_f64(), Some(0.0));
    let (s, _) = call(
        port,
        "GET",
        "/api/workers/w1/replay?from=yesterday",
        &viewer,
        None,
    );
    assert_eq!(s, 400);

    // Patrol KPIs per grid: w1's walk is patrol time in the grids it
    // crossed; w1 and w2 serve g1; CSV and GeoJSON say the same.
    let (s, k) = call(
        port,
        "GET",
        &format!("/api/kpi/patrol?from={from}"),
        &viewer,
        None,
    );
    assert_eq!(s, 200, "{k}");
    let rows = k["grids"].as_array().unwrap();
    let row1 = rows.iter().find(|r| r["grid"] == g1.as_str()).unwrap();
    assert_eq!(row1["workers"], 2, "{row1}");
    let hours: f64 = rows
        .iter()
        .map(|r| r["patrol_hours"].as_f64().unwrap())
        .sum();
    assert!(
        hours > 0.3,
        "the 20-minute walk and the OsmAnd fixes: {hours} h"
    );
    assert!(
        rows.iter()
            .all(|r| (0.0..=1.0).contains(&r["coverage"].as_f64().unwrap()))
    );
    let auth = format!("Bearer {viewer}");
    let r = send(
        port,
        "GET",
        &format!("/api/kpi/patrol?from={from}&format=csv"),
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(r.status, 200);
    assert!(
        r.text()
            .starts_with("grid,buildings,buildings_covered,coverage,"),
        "{}",
        r.text()
    );
    assert_eq!(r.text().lines().count(), rows.len() + 1);
    let (s, g) = call(
        port,
        "GET",
        &format!("/api/kpi/patrol?from={from}&format=geojson"),
        &viewer,
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(g["features"].as_array().unwrap().len(), rows.len());
    let (s, _) = call(port, "GET", "/api/kpi/patrol?format=xlsx", &viewer, None);
    assert_eq!(s, 400);

    check_worker_tiles_and_scopes(store, port, (lon, lat), &g1, &phone1, &viewer);

    // A planner uploads a roster over HTTP; a town-scoped one may not
    // assign grids outside its town.
    let planner = token(store, "planner", &[]);
    accepted(port, &planner);
    let body = json!([{"id": "w4", "name": "钱七", "role": "part_time", "grids": [g2]}]);
    let (s, v) = call(port, "POST", "/api/workers", &planner, Some(&body));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["added"], 1);
    let (s, v) = call(port, "POST", "/api/workers", &viewer, Some(&body));
    assert_eq!(s, 403, "{v}");
    let (s, v) = call(
        port,
        "POST",
        "/api/workers",
        &planner,
        Some(&json!([{"id": "w5", "name": "", "role": "x"}])),
    );
    assert_eq!(s, 400, "{v}");

    // Retention: a server with --keep-days 1 deletes a patrol of three
    // days ago when it starts (and hourly), and keeps today's.
    let old = now() - 3 * 86_400;
    let (s, v) = call(
        port,
        "POST",
        "/api/positions",
        &phone1,
        Some(&Value::Array(walk("w1", old, 60, lon, lat))),
    );
    assert_eq!((s, v["accepted"].as_u64()), (200, Some(60)), "{v}");
    let today = replayed(port, &viewer, "w1");
    drop(server);
    let server = serve(store, &["--keep-days", "1"]);
    accepted(server.port, &viewer);
    let then = |port: u16| {
        let (s, r) = call(
            port,
            "GET",
            &format!("/api/workers/w1/replay?from={}&to={}", old - 10, old + 100),
            &viewer,
            None,
        );
        assert_eq!(s, 200, "{r}");
        r["trips"].as_array().unwrap().len()
    };
    let start = std::time::Instant::now();
    while then(server.port) > 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "old fixes not deleted"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(
        replayed(server.port, &viewer, "w1"),
        today,
        "today's fixes kept"
    );
}

/// The tracks, positions and visits tile sources, and what tokens of
/// another village, another county and a worker see of them and of the
/// worker API, the KPIs and the live stream.
fn check_worker_tiles_and_scopes(
    store: &[&str],
    port: u16,
    (lon, lat): (f64, f64),
    g1: &str,
    phone1: &str,
    viewer: &str,
) {
    let tile = |path: &str, token: &str| {
        let auth = format!("Bearer {token}");
        send(port, "GET", path, &[("Authorization", &auth)], None)
    };
    let (x, y) = tile_of(lon + 0.005, lat, 14);
    let at = format!("14/{x}/{y}.mvt");
    // Today's patrols: w1's 20-minute walk of about 1,200 m is one line.
    let r = tile(&format!("/tiles/tracks/{at}"), viewer);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("cache-control").contains("max-age=15"));
    let tracks = tile_features(&r.body, "tracks");
    let walk = tracks
        .iter()
        .find(|f| f["worker"] == "w1" && f["fixes"].as_i64() >= Some(1200))
        .unwrap_or_else(|| panic!("w1's walk in {tracks:?}"));
    let d = walk["distance_m"].as_f64().unwrap();
    assert!((d - 1200.0).abs() < 60.0, "{walk:?}");
    assert_eq!(walk["name"], "张三");
    // A window without fixes, a worker filter, and malformed windows.
    let r = tile(
        &format!("/tiles/tracks/{at}?from=2020-01-01&to=2020-01-02"),
        viewer,
    );
    assert_eq!(r.status, 204);
    let r = tile(&format!("/tiles/tracks/{at}?worker=w2"), viewer);
    assert_eq!(r.status, 204);
    let r = tile(&format!("/tiles/tracks/{at}?worker=w1"), viewer);
    assert_eq!(r.status, 200);
    for bad in [
        "from=yesterday",
        "from=2020-01-01&to=2021-01-01",
        "to=2019-01-01",
    ] {
        let r = tile(&format!("/tiles/tracks/{at}?{bad}"), viewer);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    let r = tile(&format!("/tiles/grids/{at}?worker=w1"), viewer);
    assert_eq!(r.status, 400, "grids take no worker: {}", r.text());
    // Latest positions: w1 stands where its last fix was, online.
    let (px, py) = tile_of(lon, lat, 12);
    let r = tile(&format!("/tiles/positions/12/{px}/{py}.mvt"), viewer);
    assert_eq!(r.status, 200, "{}", r.text());
    let pos = tile_features(&r.body, "positions");
    let w1 = pos
        .iter()
        .find(|f| f["worker"] == "w1")
        .expect("w1's position");
    assert_eq!(w1["online"], true, "{w1:?}");
    assert_eq!(w1["grids"], g1);
    // The TileJSON lists the three layers with their fields.
    let r = tile("/tiles/tracks,positions,visits.json", viewer);
    assert_eq!(r.status, 200);
    let tj = r.json();
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tracks", "positions", "visits"]);

    // A phone sees its own track only; another worker is not confirmed.
    let r = tile(&format!("/tiles/tracks/{at}"), phone1);
    assert_eq!(r.status, 200);
    assert!(
        tile_features(&r.body, "tracks")
            .iter()
            .all(|f| f["worker"] == "w1")
    );
    let r = tile(&format!("/tiles/tracks/{at}?worker=w2"), phone1);
    assert_eq!(r.status, 404);

    // A token of another village of the town (the extract's grids all lie
    // in one) sees none of the workers — in tiles, the worker list, a
    // worker's patrols and replay, the KPIs and the live stream.
    let village2 = format!("{}002", &g1[..9]);
    let viewer_v2 = token(store, "viewer", &["--scope", &village2]);
    accepted(port, &viewer_v2);
    let r = tile(&format!("/tiles/tracks/{at}"), &viewer_v2);
    assert_eq!(r.status, 204, "w1 serves g1 only");
    let r = tile(&format!("/tiles/positions/12/{px}/{py}.mvt"), &viewer_v2);
    assert_eq!(r.status, 204, "w1's position is outside the scope");
    let (s, list) = call(port, "GET", "/api/workers", &viewer_v2, None);
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["workers"].as_array().unwrap().len(), 0, "{list}");
    for path in [
        "/api/workers/w1",
        "/api/workers/w1/patrols",
        "/api/workers/w1/replay",
    ] {
        let (s, v) = call(port, "GET", path, &viewer_v2, None);
        assert_eq!(s, 404, "{path}: {v}");
    }
    let (s, k) = call(port, "GET", "/api/kpi/patrol", &viewer_v2, None);
    assert_eq!(s, 200, "{k}");
    assert!(
        k["grids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["grid"].as_str().unwrap().starts_with(&village2)),
        "{k}"
    );
    let mut scoped = Sse::open(port, &viewer_v2, None);
    let mut all = Sse::open(port, viewer, None);
    let t = now();
    let (s, _) = call(
        port,
        "POST",
        "/api/positions",
        phone1,
        Some(&json!([{"time": t, "lon": lon, "lat": lat}])),
    );
    assert_eq!(s, 200);
    // Both streams get the same flushes: once the county-wide one has the
    // fix, the scoped one would have had it too.
    all.until("position", "w1");
    let heard = scoped.for_a_while(std::time::Duration::from_millis(1500));
    assert!(
        !heard.iter().any(|(_, d)| d.contains("\"w1\"")),
        "a fix of w1 reached a token of another village: {heard:?}"
    );

    // A token of another county: the county is not its to read.
    let other = token(store, "viewer", &["--scope", "360681"]);
    accepted(port, &other);
    for path in [
        "/api/workers?county=110108",
        "/api/workers/w1",
        "/api/kpi/patrol?county=110108",
        "/tiles/tracks/12/0/0.mvt?county=110108",
    ] {
        let (s, v) = call(port, "GET", path, &other, None);
        assert_eq!(s, 404, "{path}: {v}");
    }
}

#[test]
fn workers_and_positions_on_a_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    check_store(&["--store", p(&store)], dir.path());
}

#[test]
fn workers_and_positions_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = PgCluster::start();
    let url = cluster.database("ops");
    check_store(&["--db", url.as_str()], dir.path());
}
