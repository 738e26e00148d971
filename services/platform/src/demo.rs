//! `participation demo`: a town that looks alive in one command — approved,
//! with staff, citizens, and one consultation of each kind with answers.
use anyhow::{Context, bail};
use auth::domain::password::{NewPassword, PasswordHasherConfig};
use chrono::{Duration, Utc};
use common::{TenantScope, config::Config, db};
use consultation::{
    domain::{
        budget::NewProject,
        comment::CommentText,
        consultation::{DraftFields, RawFields},
        proposal::NewProposal,
        questionnaire::{AnswerRow, NewQuestion},
        status::Move,
    },
    store::{budgets, comments, consultations, consultations::Listing, proposals, questionnaires},
};
use entity::{commune, membership, refresh_token, tenant, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use uuid::Uuid;

/// The demo town's address: `demo` is reserved, so no real town can take it.
const SLUG: &str = common::domain::DEMO_SLUG;

/// The commune whose name and code the demo borrows; the demo town does not
/// count as its town, which may still sign up.
const DEMO_COMMUNE: &str = "28191";

/// (address, display name, role) of the demo's people; `None` is a citizen.
const PEOPLE: [(&str, &str, Option<&str>); 7] = [
    ("mairie@example.org", "Claire Mairie", Some("admin")),
    ("moderation@example.org", "Malik Modération", Some("moderator")),
    ("camille@example.org", "Camille", None),
    ("yanis@example.org", "Yanis", None),
    ("louise@example.org", "Louise", None),
    ("jules@example.org", "Jules", None),
    ("ines@example.org", "Inès", None),
];

/// Creates the demo town if it is not there, gives its people fresh passwords,
/// and returns what to print: the town's address and the logins.
pub async fn seed(config: Config) -> anyhow::Result<String> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await.context("cannot apply the database migrations")?;
    let hasher = PasswordHasherConfig::new(config.argon2)?;
    let staff_password = password();
    let citizen_password = password();
    // Hashed before the write lock is taken: argon2 is slow on purpose.
    let mut hashes = Vec::with_capacity(PEOPLE.len());
    for (email, _, role) in PEOPLE {
        let secret = if role.is_some() { &staff_password } else { &citizen_password };
        hashes.push(hasher.hash(&NewPassword::parse(secret, email).map_err(|e| anyhow::anyhow!("{e:?}"))?)?);
    }
    let txn = db::begin_write(&db).await?;
    let existing = tenant::Entity::find().filter(tenant::Column::Slug.eq(SLUG)).one(&txn).await?;
    let town = match existing {
        Some(town) => town,
        None => create_town(&txn).await?,
    };
    // The operator's own command, naming the one town it made.
    let scope = TenantScope::for_operator_action(town.id);
    let mut ids = Vec::new();
    for ((email, name, role), hash) in PEOPLE.into_iter().zip(hashes) {
        ids.push(person(&txn, town.id, email, name, role, hash).await?);
    }
    let fresh = consultations::list(&txn, scope, Listing::All, false, 1, 0).await?.is_empty();
    if fresh {
        consultations_of(&txn, scope, ids[0], &ids[2..], ids[1]).await?;
    }
    txn.commit().await?;
    let url = format!("{}://{SLUG}.{}", config.public_url_scheme.as_str(), config.platform_domain);
    let citizens: Vec<&str> = PEOPLE.iter().filter(|p| p.2.is_none()).map(|p| p.0).collect();
    Ok(format!(
        "Commune de démonstration « {name} » : {url}\n\
         \x20 consultations : {url}/api/v1/consultations\n\
         \x20 documentation : {url}/api/v1/openapi.json\n\
         Connexion (POST {url}/api/v1/auth/login) :\n\
         \x20 administratrice : {admin} / {staff_password}\n\
         \x20 modérateur      : {moderator} / {staff_password}\n\
         \x20 habitant·es     : {citizens} / {citizen_password}\n\
         Les mots de passe changent à chaque lancement de `participation demo`.",
        name = town.name,
        admin = PEOPLE[0].0,
        moderator = PEOPLE[1].0,
        citizens = citizens.join(", "),
    ))
}

/// A random password of 20 letters and digits.
fn password() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 20)
}

async fn create_town(txn: &DatabaseTransaction) -> anyhow::Result<tenant::Model> {
    let Some(commune) = commune::Entity::find_by_id(DEMO_COMMUNE.to_owned()).one(txn).await? else {
        bail!("the commune list lacks {DEMO_COMMUNE}: run `participation migrate`")
    };
    let town = tenant::ActiveModel::new_town(tenant::NewTown {
        slug: SLUG,
        insee_code: &commune.insee_code,
        name: &commune.name,
        status: "active",
        contact_email: PEOPLE[0].0,
        contact_name: PEOPLE[0].1,
    });
    Ok(town.insert(txn).await?)
}

async fn person(
    txn: &DatabaseTransaction,
    town: Uuid,
    email: &str,
    name: &str,
    role: Option<&str>,
    hash: String,
) -> anyhow::Result<Uuid> {
    let found = user::Entity::find()
        .filter(user::Column::TenantId.eq(town))
        .filter(user::Column::Email.eq(email))
        .one(txn)
        .await?;
    let now = Utc::now();
    let id = match found {
        Some(found) => {
            // A fresh start: new password, sessions ended, role as it was first given.
            user::Entity::update_many()
                .col_expr(user::Column::PasswordHash, Expr::value(hash))
                .col_expr(user::Column::UpdatedAt, Expr::value(now))
                .filter(user::Column::Id.eq(found.id))
                .exec(txn)
                .await?;
            refresh_token::Entity::delete_many()
                .filter(refresh_token::Column::UserId.eq(found.id))
                .exec(txn)
                .await?;
            membership::Entity::delete_many()
                .filter(membership::Column::UserId.eq(found.id))
                .exec(txn)
                .await?;
            found.id
        }
        None => {
            user::ActiveModel {
                id: Set(Uuid::new_v4()),
                tenant_id: Set(Some(town)),
                email: Set(email.to_owned()),
                password_hash: Set(Some(hash)),
                display_name: Set(name.to_owned()),
                email_verified_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?
            .id
        }
    };
    if let Some(role) = role {
        membership::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(town),
            user_id: Set(id),
            role: Set(role.to_owned()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(id)
}

fn fields<'a>(kind: &'a str, title: &'a str, summary: &'a str, body: &'a str) -> RawFields<'a> {
    RawFields {
        kind,
        title,
        summary,
        body,
        closes_at: Some(Utc::now() + Duration::days(30)),
        ..Default::default()
    }
}

fn checked<T>(parsed: Result<T, Vec<common::problem::FieldError>>) -> anyhow::Result<T> {
    parsed.map_err(|errors| anyhow::anyhow!("demo content is invalid: {errors:?}"))
}

async fn publish(txn: &impl ConnectionTrait, scope: TenantScope, id: Uuid) -> anyhow::Result<()> {
    consultations::apply(txn, scope, id, Move::Publish, Utc::now()).await?;
    Ok(())
}

async fn consultations_of(
    txn: &DatabaseTransaction,
    scope: TenantScope,
    admin: Uuid,
    citizens: &[Uuid],
    moderator: Uuid,
) -> anyhow::Result<()> {
    // A questionnaire, answered by every citizen.
    let draft = checked(DraftFields::parse(fields(
        "questionnaire",
        "Plan vélo : où et comment ?",
        "Aidez-nous à placer les arceaux et les pistes.",
        "La commune prépare son **plan vélo** pour 2027. Dites-nous où vous roulez et ce qui vous manque.",
    )))?;
    let q = consultations::create(txn, scope, &draft, admin).await?;
    let place = ["Centre-bourg", "Gare", "Écoles"].map(String::from);
    let (where_, where_options) = questionnaires::add_question(
        txn,
        scope,
        q.id,
        &checked(NewQuestion::parse(
            "single_choice",
            "Où manque-t-il le plus d’arceaux ?",
            true,
            &place,
            None,
            None,
        ))?,
    )
    .await?;
    let (score, _) = questionnaires::add_question(
        txn,
        scope,
        q.id,
        &checked(NewQuestion::parse(
            "scale",
            "Vous sentez-vous en sécurité à vélo ?",
            true,
            &[],
            Some(1),
            Some(5),
        ))?,
    )
    .await?;
    let (idea, _) = questionnaires::add_question(
        txn,
        scope,
        q.id,
        &checked(NewQuestion::parse("text", "Une idée à ajouter ?", false, &[], None, Some(500)))?,
    )
    .await?;
    publish(txn, scope, q.id).await?;
    let ideas =
        ["Une piste le long du canal.", "", "Des arceaux couverts à la gare.", "", "Plus de zones 30."];
    for (i, citizen) in citizens.iter().enumerate() {
        let mut rows = vec![
            AnswerRow {
                question_id: where_.id,
                option_id: Some(where_options[i % 3].id),
                text: None,
                value: None,
            },
            AnswerRow {
                question_id: score.id,
                option_id: None,
                text: None,
                value: Some(1 + (i as i32 * 2) % 5),
            },
        ];
        if !ideas[i % ideas.len()].is_empty() {
            rows.push(AnswerRow {
                question_id: idea.id,
                option_id: None,
                text: Some(ideas[i % ideas.len()].into()),
                value: None,
            });
        }
        questionnaires::respond(txn, scope, q.id, *citizen, &rows)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }

    // An idea box with categories, supports, an answer and a conversation.
    let categories = ["Mobilité".to_owned(), "Nature en ville".to_owned(), "Jeunesse".to_owned()];
    let mut raw = fields(
        "proposals",
        "Boîte à idées du centre-bourg",
        "Vos idées pour un centre plus vivant.",
        "Proposez, soutenez les idées des autres : la commune répond à chacune.",
    );
    raw.categories = &categories;
    let b = consultations::create(txn, scope, &checked(DraftFields::parse(raw))?, admin).await?;
    publish(txn, scope, b.id).await?;
    let wishes = [
        ("Un marché le samedi matin", "Avec les producteurs des environs.", "Nature en ville"),
        ("Des bancs à l’ombre place de l’église", "Pour les anciens et les familles.", "Nature en ville"),
        ("Un local pour les ados", "Ouvert le mercredi et le samedi.", "Jeunesse"),
        ("Une navette vers la gare", "Aux heures des trains de Paris.", "Mobilité"),
    ];
    let mut proposal_ids = Vec::new();
    for (i, (title, body, category)) in wishes.iter().enumerate() {
        let p = checked(NewProposal::parse(title, body, Some(category), &categories))?;
        let stored = proposals::submit(txn, scope, b.id, citizens[i % citizens.len()], &p).await?;
        for supporter in citizens.iter().take(citizens.len() - i) {
            proposals::support(txn, scope, stored.id, *supporter).await?;
        }
        proposal_ids.push(stored.id);
    }
    proposals::answer(
        txn,
        scope,
        proposal_ids[0],
        "accepted",
        "Le marché ouvrira au printemps, place de la mairie.",
    )
    .await?;
    let thread = comments::Thread { consultation: b.id, proposal: None };
    let first = comments::add(
        txn,
        scope,
        thread,
        None,
        citizens[1],
        &checked(CommentText::parse("Très bonne initiative, **merci** !"))?,
    )
    .await?;
    comments::add(
        txn,
        scope,
        thread,
        Some(first.id),
        citizens[2],
        &checked(CommentText::parse("Tout à fait d’accord."))?,
    )
    .await?;
    let rude = comments::add(
        txn,
        scope,
        thread,
        None,
        citizens[3],
        &checked(CommentText::parse("Encore une idée qui ne servira à rien…"))?,
    )
    .await?;
    let reason = "Message sans rapport avec la proposition.".to_owned();
    comments::moderate(txn, scope, rude.id, moderator, &comments::Decision::Hide { reason }).await?;

    // A participatory budget with votes.
    let mut raw = fields(
        "budget",
        "Budget participatif 2027",
        "50 000 € pour vos projets.",
        "Choisissez les projets que la commune financera, dans la limite de l’enveloppe.",
    );
    raw.budget_cents = Some(5_000_000);
    let g = consultations::create(txn, scope, &checked(DraftFields::parse(raw))?, admin).await?;
    let mut project_ids = Vec::new();
    for (title, description, cost) in [
        ("Aire de jeux rénovée", "Au parc du Moulin.", 2_500_000),
        ("Jardin partagé", "Derrière la médiathèque.", 800_000),
        ("Éclairage solaire du chemin des écoliers", "Sécuriser le trajet l’hiver.", 1_800_000),
        ("Boîtes à livres", "Dans chaque quartier.", 200_000),
    ] {
        let project = checked(NewProject::parse(title, description, cost, 5_000_000))?;
        project_ids.push(budgets::add_project(txn, scope, g.id, &project).await?.id);
    }
    publish(txn, scope, g.id).await?;
    for (i, citizen) in citizens.iter().enumerate() {
        let chosen = if i % 2 == 0 {
            vec![project_ids[0], project_ids[1]]
        } else {
            vec![project_ids[2], project_ids[3]]
        };
        budgets::cast(txn, scope, g.id, *citizen, &chosen).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}
