//! The OpenAPI document: a snapshot (a change to the API shows up in review), and a walk over
//! every documented operation on a live server proving each one exists and checks who asks.

use reqwest::{Method, StatusCode};
use tenggat_store::Database;

use super::{boot, client, run_sqlite};

#[test]
fn openapi_document_snapshot() {
    let document = tenggat_server::openapi_document();
    let json = serde_json::to_value(&document).expect("document serialises");
    assert_eq!(json["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", json);
}

/// Every documented operation answers on a real server, and without a credential every one
/// of them except signing in is refused with 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_exists_and_needs_a_credential() {
    run_sqlite(walk_operations).await;
}

async fn walk_operations(db: Database) {
    let server = boot(&db).await;
    let base = format!("http://{}", server.addr);
    let served: serde_json::Value = client()
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .expect("HTTP")
        .json()
        .await
        .expect("JSON");
    let document = serde_json::to_value(tenggat_server::openapi_document()).expect("JSON");
    assert_eq!(served, document, "the served document is the router's");
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "1").replace("{name}", "innovasia");
        for method in item.as_object().expect("path item").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            operations += 1;
            let response = client()
                .request(method.clone(), format!("{base}{concrete}"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body("{}")
                .send()
                .await
                .expect("HTTP");
            let status = response.status();
            if (method.clone(), path.as_str()) == (Method::POST, "/api/v1/sessions") {
                // Signing in is the one open door: an empty body is a shape error.
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}");
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            }
        }
    }
    assert!(operations >= 40, "only {operations} operations documented");
    drop(server);
}
