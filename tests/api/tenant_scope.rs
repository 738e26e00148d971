//! A town's rows are reached only through its scope.
use common::TenantScope;
use sea_orm::{ConnectionTrait, DbBackend, Set, Statement};
use uuid::Uuid;

use crate::support::spawn;

/// A town's account, not yet verified, to insert directly.
pub(crate) fn user(tenant: Uuid, email: &str) -> entity::user::ActiveModel {
    let now = chrono::Utc::now();
    entity::user::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(Some(tenant)),
        email: Set(email.into()),
        password_hash: Set(None),
        display_name: Set(email.into()),
        email_verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[tokio::test]
async fn a_scope_sees_and_writes_only_its_own_town() {
    let app = spawn().await;
    let a = app.create_town("ville-a", "63338", "active").await;
    let b = app.create_town("ville-b", "01001", "active").await;
    let scope_a = TenantScope::for_operator_action(a);
    let scope_b = TenantScope::for_operator_action(b);

    scope_a.insert(app.db(), user(a, "anne@example.fr")).await.unwrap();
    // Whatever tenant the model claims, the scope writes its own.
    let written = scope_b.insert(app.db(), user(a, "bruno@example.fr")).await.unwrap();
    assert_eq!(written.tenant_id, Some(b));

    let in_a = scope_a.find::<entity::user::Entity>().all(app.db()).await.unwrap();
    let in_b = scope_b.find::<entity::user::Entity>().all(app.db()).await.unwrap();
    assert_eq!(in_a.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["anne@example.fr"]);
    assert_eq!(in_b.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["bruno@example.fr"]);
}

#[tokio::test]
async fn a_scoped_transaction_commits_or_rolls_back_as_one() {
    let app = spawn().await;
    let a = app.create_town("ville-a", "63338", "active").await;
    let scope = TenantScope::for_operator_action(a);

    let txn = scope.begin(app.db()).await.unwrap();
    if txn.conn().get_database_backend() == DbBackend::Postgres {
        let row = txn
            .conn()
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_setting('app.tenant_id') AS t",
            ))
            .await
            .unwrap()
            .unwrap();
        let set: String = row.try_get("", "t").unwrap();
        assert_eq!(set, a.to_string());
    }
    scope.insert(txn.conn(), user(a, "one@example.fr")).await.unwrap();
    drop(txn); // rolled back

    let txn = scope.begin(app.db()).await.unwrap();
    scope.insert(txn.conn(), user(a, "two@example.fr")).await.unwrap();
    txn.commit().await.unwrap();

    let users = scope.find::<entity::user::Entity>().all(app.db()).await.unwrap();
    assert_eq!(users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["two@example.fr"]);
}
