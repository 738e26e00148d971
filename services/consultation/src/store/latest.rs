//! "The latest N of each group" in one query: a window function that SQLite
//! and PostgreSQL both run, so that no group can crowd out the others.
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, QueryTrait, Select,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query, WindowStatement},
};

/// The rows `select` finds, at most `n` per value of `group`, the greatest
/// `order` first within each group (the overall order is the caller's to set).
pub async fn per_group<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    group: E::Column,
    order: E::Column,
    n: u64,
) -> Result<Vec<E::Model>, DbErr> {
    let mut window = WindowStatement::partition_by(group);
    window.order_by(order, Order::Desc);
    let mut ranked = select.into_query();
    ranked.expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new("rank_in_group"));
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rank_in_group")).lte(n))
        .to_owned();
    let statement = conn.get_database_backend().build(&outer);
    E::find().from_raw_sql(statement).all(conn).await
}
