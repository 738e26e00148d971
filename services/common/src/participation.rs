//! Who took part in a consultation: the ids of those who answered, proposed,
//! supported, voted or commented, as subqueries a caller filters people by.
use entity::{ballot, comment, proposal, response, support};
use sea_orm::{
    ColumnTrait, EntityName,
    sea_query::{Query, SelectStatement},
};
use uuid::Uuid;

use crate::TenantScope;

/// `SELECT <person> FROM <table> WHERE tenant_id = … AND <thread> = …`.
fn people_of<E: EntityName + Default>(
    person: impl ColumnTrait,
    tenant: impl ColumnTrait,
    thread: impl ColumnTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> SelectStatement {
    Query::select()
        .column(person)
        .from(E::default())
        .and_where(tenant.eq(scope.tenant_id()))
        .and_where(thread.eq(consultation))
        .to_owned()
}

/// One subquery per way of taking part, each selecting user ids of the town.
pub fn subqueries(scope: TenantScope, consultation: Uuid) -> [SelectStatement; 5] {
    use proposal::Column as P;
    let proposals = people_of::<proposal::Entity>(P::Id, P::TenantId, P::ConsultationId, scope, consultation);
    let supports = Query::select()
        .column(support::Column::UserId)
        .from(support::Entity)
        .and_where(support::Column::TenantId.eq(scope.tenant_id()))
        .and_where(support::Column::ProposalId.in_subquery(proposals))
        .to_owned();
    [
        people_of::<response::Entity>(
            response::Column::UserId,
            response::Column::TenantId,
            response::Column::ConsultationId,
            scope,
            consultation,
        ),
        people_of::<proposal::Entity>(P::AuthorId, P::TenantId, P::ConsultationId, scope, consultation),
        supports,
        people_of::<ballot::Entity>(
            ballot::Column::UserId,
            ballot::Column::TenantId,
            ballot::Column::ConsultationId,
            scope,
            consultation,
        ),
        people_of::<comment::Entity>(
            comment::Column::AuthorId,
            comment::Column::TenantId,
            comment::Column::ConsultationId,
            scope,
            consultation,
        ),
    ]
}
