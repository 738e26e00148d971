//! Host resolution cost with 10 towns and with 35,000 (every French commune).
//! Prints a table; run with `cargo bench -p common --bench resolve`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench that cannot set up should stop loudly

use std::{collections::HashMap, time::Instant};

use common::{config::Config, db, tenancy::SiteResolver};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

const LOOKUPS: usize = 20_000;

async fn database(towns: usize) -> (DatabaseConnection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let env = HashMap::from([("DATA_DIR", dir.path().display().to_string())]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let conn = db::connect(&config).await.unwrap();
    db::migrate(&conn).await.unwrap();
    let communes = migration::communes::rows().unwrap();
    let rows: Vec<_> = (0..towns)
        .map(|i| {
            entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
                slug: &format!("ville-{i}"),
                insee_code: communes[i % communes.len()].insee_code,
                name: &format!("Ville {i}"),
                status: "active",
                contact_email: "mairie@example.fr",
                contact_name: "Mairie",
            })
        })
        .collect();
    for chunk in rows.chunks(2_000) {
        entity::tenant::Entity::insert_many(chunk.to_vec()).exec(&conn).await.unwrap();
    }
    conn.execute_unprepared("ANALYZE").await.unwrap();
    (conn, dir)
}

/// Nanoseconds per resolution over `LOOKUPS` hosts spread across every town.
async fn measure(resolver: &SiteResolver, towns: usize, cold: bool) -> f64 {
    let hosts: Vec<String> =
        (0..LOOKUPS).map(|i| format!("ville-{}.localhost:8080", (i * 7919) % towns)).collect();
    let started = Instant::now();
    for host in &hosts {
        if cold {
            resolver.invalidate_all();
        }
        resolver.resolve(host).await.unwrap();
    }
    started.elapsed().as_nanos() as f64 / LOOKUPS as f64
}

#[tokio::main]
async fn main() {
    println!("| towns | cached resolve (ns) | uncached resolve (ns, one indexed SELECT) |");
    println!("|---:|---:|---:|");
    for towns in [10, 35_000] {
        let (conn, _dir) = database(towns).await;
        let resolver = SiteResolver::new("localhost:8080", conn);
        measure(&resolver, towns, false).await; // warm the cache
        let cached = measure(&resolver, towns, false).await;
        let uncached = measure(&resolver, towns, true).await;
        println!("| {towns} | {cached:.0} | {uncached:.0} |");
    }
}
