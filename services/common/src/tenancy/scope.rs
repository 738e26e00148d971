//! The one path to a town's rows: every tenant-owned query goes through a `TenantScope`.
use entity::TenantOwned;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QueryFilter, Select, Statement, TransactionTrait,
};
use uuid::Uuid;

/// Proof that the caller acts for one town; only tenancy and explicit operator paths make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantScope {
    tenant_id: Uuid,
}

impl TenantScope {
    pub(crate) fn new(tenant_id: Uuid) -> Self {
        TenantScope { tenant_id }
    }

    /// For operator actions and workers that name the town explicitly (export, delete, jobs).
    pub fn for_operator_action(tenant_id: Uuid) -> Self {
        TenantScope { tenant_id }
    }

    /// The town's id.
    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    /// `SELECT` over `E`, already restricted to this town.
    pub fn find<E: TenantOwned>(&self) -> Select<E> {
        E::find().filter(E::tenant_column().eq(self.tenant_id))
    }

    /// Inserts `model` as a row of this town, whatever tenant it carried.
    pub async fn insert<A, C>(
        &self,
        conn: &C,
        mut model: A,
    ) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
    where
        A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
        C: ConnectionTrait,
    {
        model.set(<A::Entity as TenantOwned>::tenant_column(), self.tenant_id.into());
        model.insert(conn).await
    }

    /// Opens a transaction bound to this town. On PostgreSQL it sets `app.tenant_id`
    /// for the transaction, which row-level security policies check.
    pub async fn begin(&self, db: &DatabaseConnection) -> Result<ScopedTxn, DbErr> {
        let txn = db.begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT set_config('app.tenant_id', $1, true)",
                [self.tenant_id.to_string().into()],
            ))
            .await?;
        }
        Ok(ScopedTxn { scope: *self, txn })
    }
}

/// A transaction that belongs to one town.
pub struct ScopedTxn {
    scope: TenantScope,
    txn: DatabaseTransaction,
}

impl ScopedTxn {
    /// The town this transaction acts for.
    pub fn scope(&self) -> TenantScope {
        self.scope
    }

    /// The connection to run scoped queries on.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Commits every change at once.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}
