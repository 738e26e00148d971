//! The delivery store under contention: what several workers racing for the
//! same deliveries are allowed to take.
use std::collections::HashSet;

use chrono::{Duration, SubsecRound, Utc};
use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use notifications::store;
use participation_tests::{TestApp, spawn_app};
use sea_orm::{DbBackend, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

/// A town's event and its 200 recipients, whose deliveries are yet to be made.
async fn event_for_200(app: &TestApp) -> (entity::outbox::Model, Vec<String>) {
    let town = app.create_town("hanches", "28191", "active").await;
    let recipients: Vec<String> = (0..200).map(|i| format!("habitant{i}@example.fr")).collect();
    let txn = app.db().begin().await.unwrap();
    let event_id = outbox::record(
        &txn,
        Some(TenantScope::for_operator_action(town)),
        NewEvent { kind: "mail.test".into(), payload: json!({}), idempotency_key: "fan-out".into() },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    (store::event(app.db(), event_id).await.unwrap().unwrap(), recipients)
}

#[tokio::test]
async fn racing_workers_lease_each_delivery_once_and_a_replay_creates_nothing() {
    let app = spawn_app().await;
    let (event, recipients) = event_for_200(&app).await;

    let ids = store::insert_deliveries(app.db(), &event, &recipients).await.unwrap();
    assert_eq!(ids.len(), 200);
    let again = store::insert_deliveries(app.db(), &event, &recipients[..10]).await.unwrap();
    assert!(again.is_empty(), "a replay created {again:?}");

    // Whole microseconds, as the databases store them.
    let now = Utc::now().trunc_subsecs(6);
    let until = now + Duration::seconds(60);
    let races = (0..8).map(|_| {
        let db = app.db().clone();
        let ids = ids.clone();
        async move { store::lease_many(&db, &ids, now, until).await.unwrap() }
    });
    let leased: Vec<Uuid> =
        futures_util::future::join_all(races).await.into_iter().flatten().map(|d| d.id).collect();
    let distinct: HashSet<&Uuid> = leased.iter().collect();
    assert_eq!(distinct.len(), leased.len(), "a delivery was leased twice");
    assert_eq!(distinct.len(), 200);

    // Held: nobody takes them until the lease runs out; then anyone may.
    assert!(store::lease_many(app.db(), &ids, now, until).await.unwrap().is_empty());
    let later = until + Duration::seconds(1);
    let retaken = store::lease_many(app.db(), &ids, later, later + Duration::seconds(60)).await.unwrap();
    assert_eq!(retaken.len(), 200);
    assert!(retaken.iter().all(|d| d.locked_until == Some(later + Duration::seconds(60))));

    // Sent ones are never leased again.
    store::mark_sent_many(app.db(), &ids[..50], later).await.unwrap();
    let far = later + Duration::seconds(3600);
    assert_eq!(store::lease_many(app.db(), &ids, far, far).await.unwrap().len(), 150);
}

#[tokio::test]
async fn on_postgres_racing_workers_lock_each_delivery_once_until_they_finish() {
    let app = spawn_app().await;
    if app.db().get_database_backend() != DbBackend::Postgres {
        // SQLite has no row locks: its workers lease, as the test above checks.
        // This test runs in the PostgreSQL pass of the suite.
        return;
    }
    let (event, recipients) = event_for_200(&app).await;
    let ids = store::insert_deliveries(app.db(), &event, &recipients).await.unwrap();
    let now = Utc::now().trunc_subsecs(6) + Duration::seconds(1);

    // Eight workers at once, each keeping its transaction open as during a send.
    let mut workers = Vec::new();
    for _ in 0..8 {
        workers.push(app.db().begin().await.unwrap());
    }
    let races = workers.iter().map(|txn| store::lock_many(txn, &ids, now));
    let shares: Vec<Vec<Uuid>> = futures_util::future::join_all(races)
        .await
        .into_iter()
        .map(|r| r.unwrap().into_iter().map(|d| d.id).collect())
        .collect();
    let taken: Vec<&Uuid> = shares.iter().flatten().collect();
    let distinct: HashSet<&Uuid> = taken.iter().copied().collect();
    assert_eq!(distinct.len(), taken.len(), "a delivery was taken twice");
    assert_eq!(distinct.len(), 200);

    // While they are held, nobody else takes them.
    let other = app.db().begin().await.unwrap();
    assert!(store::lock_many(&other, &ids, now).await.unwrap().is_empty());
    other.rollback().await.unwrap();

    // One worker sends its share and commits; the others die, which releases theirs.
    let (busiest, share) = workers.into_iter().zip(&shares).max_by_key(|(_, share)| share.len()).unwrap();
    assert!(!share.is_empty());
    store::mark_sent_many(&busiest, share, now).await.unwrap();
    busiest.commit().await.unwrap();
    let after = app.db().begin().await.unwrap();
    let retaken: HashSet<Uuid> =
        store::lock_many(&after, &ids, now).await.unwrap().iter().map(|d| d.id).collect();
    after.rollback().await.unwrap();
    assert_eq!(retaken.len(), 200 - share.len());
    assert!(share.iter().all(|id| !retaken.contains(id)), "a sent delivery was taken again");
}

#[tokio::test]
async fn recorded_keys_are_found_beyond_one_query_of_a_thousand() {
    let app = spawn_app().await;
    let town = app.create_town("hanches", "28191", "active").await;
    let txn = app.db().begin().await.unwrap();
    for i in 0..2_100 {
        let event =
            NewEvent { kind: "digest.weekly".into(), payload: json!({}), idempotency_key: format!("k{i}") };
        outbox::record(&txn, Some(TenantScope::for_operator_action(town)), event).await.unwrap();
    }
    txn.commit().await.unwrap();
    // Every other key of 0..4,200: half recorded, half not, across three queries.
    let asked: Vec<String> =
        (0..4_200).step_by(2).map(|i| outbox::stored_key(Some(town), &format!("k{i}"))).collect();
    let found = outbox::recorded_keys(app.db(), &asked).await.unwrap();
    let expected: HashSet<String> =
        (0..2_100).step_by(2).map(|i| outbox::stored_key(Some(town), &format!("k{i}"))).collect();
    assert_eq!(found, expected);
    // The same key of another town, or of the platform, is another key.
    let elsewhere = [outbox::stored_key(Some(Uuid::new_v4()), "k0"), outbox::stored_key(None, "k0")];
    assert!(outbox::recorded_keys(app.db(), &elsewhere).await.unwrap().is_empty());
}
