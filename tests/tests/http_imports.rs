//! Imports through crm-local's HTTP (issue 19): a client list uploaded as CSV (Windows-1252,
//! semicolons, as a spreadsheet on Windows saves it) or gzip-compressed, its suggested mapping
//! changed, previewed row by row, started, run by the imports worker, and its refused rows
//! downloaded; bad files and bad mappings refused with the reason; another tenant sees 404.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Uploads `body` as a file named `name`.
async fn upload(app: &App, token: &str, name: &str, body: Vec<u8>, gzip: bool) -> Resp {
    let mut rb = app
        .req(Method::POST, &format!("/imports?file_name={name}"))
        .bearer_auth(token)
        .header("content-type", "text/csv");
    if gzip {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).expect("gzip");
        rb = rb
            .header("content-encoding", "gzip")
            .body(encoder.finish().expect("gzip"));
    } else {
        rb = rb.body(body);
    }
    send(rb).await
}

/// The list a salon exports from its old tool: Windows-1252 (é in a name), semicolons; a
/// customer who already exists (by email), a repeat of row 2, a bad phone, a bad birthday,
/// a name that looks like a formula.
fn salon_export() -> Vec<u8> {
    let text = "Client;Mobile;E-mail;Birthday;Visits;Total spent;Notes\r\n\
        Aoife Byrne;087 123 4567;aoife@example.ie;14/03/1990;12;€340,50;Prefers Tuesdays\r\n\
        Renée Walsh;086 765 4321;existing@example.ie;;3;90;\r\n\
        Aoife B.;087 123 4567;;;;;\r\n\
        Bad Phone;12;bad@example.ie;;;;\r\n\
        Bad Date;085 111 2222;;31/02/1990;;;\r\n\
        =HYPERLINK(\"http://x\");083 999 8888;;;;;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.into_owned()
}

#[tokio::test]
async fn a_client_list_is_uploaded_mapped_previewed_imported_and_its_refusals_reported() {
    let app = App::start_fixed(true).await;
    let token = owner(DEMO);
    // A customer who is there already, by email.
    let existing = app
        .post(
            "/customers",
            &token,
            &json!({"name": "Renée Walsh", "email": "existing@example.ie", "tags": ["vip"]}),
        )
        .await;
    assert_eq!(existing.status, StatusCode::CREATED, "{}", existing.text);
    let existing_id = existing.body["id"].as_str().unwrap_or_default().to_owned();

    let r = upload(&app, &token, "salon.csv", salon_export(), false).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let import = r.body.clone();
    let id = import["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(import["status"], "mapping");
    assert_eq!(import["file_name"], "salon.csv");
    assert_eq!(import["encoding"], "windows-1252");
    assert_eq!(import["delimiter"], ";");
    assert_eq!(import["counts"]["total"], 6);
    assert_eq!(
        import["mapping"],
        json!(["name", "phone", "email", "birthday", "visits", "spend", "notes"]),
        "suggested from the headers"
    );

    // A mapping that cannot make customers names what is missing.
    let bad = app
        .call(
            Method::PATCH,
            &format!("/imports/{id}"),
            Some(&token),
            Some(&json!({"mapping": [null, null, null, "birthday", null, null, "notes"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(bad.fields(), ["mapping.name", "mapping.phone"]);
    let wrong_width = app
        .call(
            Method::PATCH,
            &format!("/imports/{id}"),
            Some(&token),
            Some(&json!({"mapping": ["name"]})),
        )
        .await;
    assert_eq!(wrong_width.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_width.fields(), ["mapping"]);
    // The owner leaves the notes out, tags everyone and keeps existing customers updated.
    let changed = app
        .call(
            Method::PATCH,
            &format!("/imports/{id}"),
            Some(&token),
            Some(&json!({
                "mapping": ["name", "phone", "email", "birthday", "visits", "spend", null],
                "on_existing": "update",
                "tags": ["From Old System"]
            })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["tags"], json!(["from old system"]));

    let preview = app
        .post_empty(&format!("/imports/{id}/preview"), &token)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let rows = preview.body["rows"].as_array().cloned().unwrap_or_default();
    let outcomes: Vec<&str> = rows
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        outcomes,
        ["create", "update", "skip", "refuse", "refuse", "create"]
    );
    assert_eq!(rows[0]["row"], 2, "the header is row 1");
    assert_eq!(
        rows[0]["client"]["phone"], "+353871234567",
        "E.164 in the business's region"
    );
    assert_eq!(
        rows[0]["client"]["birthday"], "1990-03-14",
        "day first in Ireland"
    );
    assert_eq!(rows[0]["client"]["spend_cents"], 34050);
    assert_eq!(rows[1]["customer_id"], existing_id.as_str());
    assert_eq!(rows[2]["reason"], "same phone or email as row 2");
    assert_eq!(rows[3]["errors"][0]["field"], "phone");
    assert_eq!(rows[4]["errors"][0]["field"], "birthday");
    assert_eq!(
        rows[5]["client"]["name"], "=HYPERLINK(\"http://x\")",
        "kept as the text it is"
    );

    // Staff may not import; another tenant does not see it.
    let staff_try = app
        .call(
            Method::POST,
            &format!("/imports/{id}/start"),
            Some(&staff(DEMO)),
            None,
        )
        .await;
    assert_eq!(staff_try.status, StatusCode::FORBIDDEN);
    app.add_tenant("bistro").await;
    for (method, path) in [
        (Method::GET, format!("/imports/{id}")),
        (Method::POST, format!("/imports/{id}/preview")),
        (Method::POST, format!("/imports/{id}/start")),
        (Method::POST, format!("/imports/{id}/cancel")),
        (Method::GET, format!("/imports/{id}/errors.csv")),
    ] {
        let r = app.call(method, &path, Some(&owner("bistro")), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
    }

    let started = app
        .post_empty(&format!("/imports/{id}/start"), &token)
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    assert_eq!(started.body["status"], "queued");
    let again = app
        .post_empty(&format!("/imports/{id}/start"), &token)
        .await;
    assert_eq!(
        again.status,
        StatusCode::ACCEPTED,
        "a double click starts it once"
    );
    let locked = app
        .call(
            Method::PATCH,
            &format!("/imports/{id}"),
            Some(&token),
            Some(&json!({"tags": []})),
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.text);
    let uploaded = app
        .dir
        .path()
        .join("files")
        .join(format!("imports/{DEMO}/{id}"));
    assert!(uploaded.exists(), "the file is kept until the import ends");
    app.drain().await;

    let done = app.get(&format!("/imports/{id}"), &token).await;
    assert_eq!(done.body["status"], "done", "{}", done.text);
    assert_eq!(
        done.body["counts"],
        json!({"total": 6, "done": 6, "created": 2, "updated": 1, "skipped": 1, "refused": 2})
    );
    assert_eq!(done.body["percent"], 100);
    assert!(
        !uploaded.exists(),
        "an import that ends deletes its uploaded file (its rows are customers or refused rows now)"
    );

    // The new customer: normalised, tagged, the old system's visits and spend as an opening
    // balance (not bookings), source `import`, on the timeline.
    let found = app.get("/customers?q=aoife", &token).await;
    let aoife_id = found.body["customers"]
        .as_array()
        .and_then(|rows| rows.iter().find(|c| c["name"] == "Aoife Byrne"))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let aoife = app
        .get(&format!("/customers/{aoife_id}"), &token)
        .await
        .body["customer"]
        .clone();
    assert_eq!(aoife["phones"], json!(["+353871234567"]), "{}", found.text);
    assert_eq!(aoife["tags"], json!(["from old system"]));
    assert_eq!(aoife["source"], "import");
    assert_eq!(aoife["opening"], json!({"visits": 12, "spend": 34050}));
    assert_eq!(
        aoife["totals"]["visits"], 0,
        "opening balances are not bookings"
    );
    let timeline = app
        .get(&format!("/customers/{aoife_id}/timeline"), &token)
        .await;
    assert!(
        timeline.text.contains("Imported from salon.csv (row 2)"),
        "{}",
        timeline.text
    );
    // The existing customer kept her tag and got the file's phone and tag.
    let renee = app
        .get(&format!("/customers/{existing_id}"), &token)
        .await
        .body["customer"]
        .clone();
    assert_eq!(renee["tags"], json!(["from old system", "vip"]), "{renee}");
    assert_eq!(renee["phones"], json!(["+353867654321"]));

    let report = app.get(&format!("/imports/{id}/errors.csv"), &token).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.content_type().starts_with("text/csv"));
    let lines: Vec<&str> = report.text.lines().collect();
    assert_eq!(
        lines[0],
        "row,reasons,Client,Mobile,E-mail,Birthday,Visits,Total spent,Notes"
    );
    assert_eq!(lines.len(), 3, "{}", report.text);
    assert!(lines[1].starts_with("5,phone:"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("6,\"birthday: is not a date"),
        "{}",
        lines[2]
    );

    // Ended: cannot be cancelled or restarted.
    let cancel = app
        .post_empty(&format!("/imports/{id}/cancel"), &token)
        .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn files_that_are_no_client_list_are_refused_with_the_reason() {
    let app = App::start_fixed(true).await;
    let token = admin(DEMO);
    for (body, why) in [
        (Vec::new(), "empty"),
        (b"Name,Phone\n".to_vec(), "header row but no rows"),
        (
            vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1, 2, 3, 0, 0, 0],
            "binary",
        ),
    ] {
        let r = upload(&app, &token, "x.csv", body, false).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{why}: {}",
            r.text
        );
        assert_eq!(r.fields(), ["file"]);
        assert!(r.text.contains(why), "{why}: {}", r.text);
    }
    let too_big = upload(
        &app,
        &token,
        "big.csv",
        vec![b'a'; 4 * 1024 * 1024 + 1],
        false,
    )
    .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Compressed, a list larger than the request limit goes through.
    let mut big = String::from("Name,Phone\n");
    let mut n = 0;
    while big.len() <= 5 * 1024 * 1024 {
        big.push_str(&format!(
            "Client number {n:07} with a long name,+3538{:08}\n",
            n % 100_000_000
        ));
        n += 1;
    }
    let r = upload(&app, &token, "big.csv", big.into_bytes(), true).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["counts"]["total"], n);
    // A mapping without a name cannot start.
    let id = r.body["id"].as_str().unwrap_or_default().to_owned();
    let patch = app
        .call(
            Method::PATCH,
            &format!("/imports/{id}"),
            Some(&token),
            Some(&json!({"mapping": [null, "phone"]})),
        )
        .await;
    assert_eq!(patch.fields(), ["mapping.name"]);
    // Cancelled before it started: nothing imported, and it stays cancelled.
    let cancel = app
        .post_empty(&format!("/imports/{id}/cancel"), &token)
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    assert_eq!(cancel.body["status"], "cancelled");
    let start = app
        .post_empty(&format!("/imports/{id}/start"), &token)
        .await;
    assert_eq!(start.status, StatusCode::CONFLICT);
    let unknown = app.get("/imports/01JDEM0000000000000000000Z", &token).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

/// Rows of one file made together (applied a few at a time) still find each other: a typo'd
/// phone under a similar name, and a namesake with the same birthday, become one pending pair
/// each, recorded once although both rows of a pair look for the other.
#[tokio::test]
async fn near_duplicate_rows_of_one_file_become_one_pending_pair_each() {
    let app = App::start_fixed(true).await;
    let token = owner(DEMO);
    let list = "Name,Phone,Email,Birthday\n\
        Orla Gallagher,087 555 1234,,\n\
        Orla Galagher,087 555 1284,,\n\
        Cian Doherty,086 444 0001,,02/04/1988\n\
        Cian Doherty,085 777 0002,,02/04/1988\n\
        Cian Doherty,083 222 0003,,\n";
    let r = upload(&app, &token, "near.csv", list.as_bytes().to_vec(), false).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_owned();
    let started = app
        .post_empty(&format!("/imports/{id}/start"), &token)
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    app.drain().await;
    let done = app.get(&format!("/imports/{id}"), &token).await;
    assert_eq!(done.body["counts"]["created"], 5, "{}", done.text);

    let list = app.get("/duplicates", &token).await;
    let pairs = list.body["pairs"].as_array().cloned().unwrap_or_default();
    let mut got: Vec<(String, String, String)> = pairs
        .iter()
        .map(|p| {
            let mut names = [
                p["existing"]["phones"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                p["new"]["phones"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ];
            names.sort();
            let [a, b] = names;
            let reasons = p["reasons"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            (a, b, reasons)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "+353857770002".to_owned(),
                "+353864440001".to_owned(),
                "same name, same birthday".to_owned()
            ),
            (
                "+353875551234".to_owned(),
                "+353875551284".to_owned(),
                "similar name, phone differs in one digit".to_owned()
            ),
        ],
        "{}",
        list.text
    );
}
