//! Small builders for the statements every migration repeats.
use sea_orm_migration::prelude::*;

/// `CREATE INDEX IF NOT EXISTS name ON table (cols…)`.
pub fn index<T, C>(name: &str, table: T, cols: impl IntoIterator<Item = C>) -> IndexCreateStatement
where
    T: IntoIden + 'static,
    C: IntoIndexColumn,
{
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    for col in cols {
        index.col(col);
    }
    index
}

/// A foreign key from `table.col` to `parent.id`, deleting the child rows with the parent.
pub fn cascade<T, C, P>(
    name: &str,
    table: T,
    col: C,
    parent: P,
    parent_id: impl IntoIden,
) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    P: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(parent, parent_id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// `ALTER TABLE table ADD COLUMN col`: one column per statement, as SQLite requires.
pub fn add_column(table: impl IntoIden, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).to_owned()
}
