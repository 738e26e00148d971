//! A town's legal pages: legal notice, personal data, and the accessibility
//! statement the law asks of public websites (RGAA). A town writes its own
//! texts in its settings; until then the platform's defaults speak for it.
use actix_web::{HttpResponse, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    i18n::Lang,
    page::{Frame, Visitor},
};
use entity::tenant;
use sea_orm::EntityTrait;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/legal/notice", web::get().to(notice))
        .route("/legal/privacy", web::get().to(privacy))
        .route("/legal/accessibility", web::get().to(accessibility));
}

#[derive(Template)]
#[template(path = "legal.html")]
struct LegalPage {
    f: Frame,
    html: String,
    public_email: Option<String>,
}

/// Which page.
#[derive(Clone, Copy)]
enum Legal {
    Notice,
    Privacy,
    Accessibility,
}

async fn show(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    which: Legal,
) -> Result<HttpResponse, Problem> {
    let row = tenant::Entity::find_by_id(town.id).one(&state.db).await.map_err(Problem::internal)?;
    let row = row.ok_or_else(Problem::not_found)?;
    let (title, own) = match which {
        Legal::Notice => (v.t("Mentions légales", "Legal notice"), row.legal_notice.clone()),
        Legal::Privacy => (v.t("Données personnelles", "Personal data"), row.privacy_notice.clone()),
        Legal::Accessibility => (
            v.t("Déclaration d’accessibilité", "Accessibility statement"),
            row.accessibility_statement.clone(),
        ),
    };
    let markdown =
        own.unwrap_or_else(|| default_text(which, &row.name, &state.config.platform_domain, v.lang));
    let page = LegalPage {
        f: v.frame(title),
        html: common::markdown::render(&markdown),
        public_email: row.public_email,
    };
    v.render(&page)
}

async fn notice(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    show(town, state, v, Legal::Notice).await
}

async fn privacy(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    show(town, state, v, Legal::Privacy).await
}

async fn accessibility(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    show(town, state, v, Legal::Accessibility).await
}

/// The platform's text for a town that has not written its own.
fn default_text(which: Legal, town: &str, platform: &str, lang: Lang) -> String {
    let english = lang == Lang::En;
    match (which, english) {
        (Legal::Notice, false) => format!(
            "## Éditeur\n\nCet espace de participation est publié par la commune de {town}, qui en est responsable.\n\n\
             ## Hébergement\n\nIl est hébergé par la plateforme {platform}, qui héberge les espaces de participation des communes.\n\n\
             ## Contenus\n\nLes contributions des habitants (réponses, propositions, commentaires) sont publiées sous leur nom affiché. \
             La commune modère les contenus contraires à la loi ou à la courtoisie."
        ),
        (Legal::Notice, true) => format!(
            "## Publisher\n\nThis participation space is published by the town of {town}, which is responsible for it.\n\n\
             ## Hosting\n\nIt is hosted by the {platform} platform, which hosts towns' participation spaces.\n\n\
             ## Content\n\nResidents' contributions (answers, proposals, comments) are published under their display name. \
             The town moderates content contrary to the law or to courtesy."
        ),
        (Legal::Privacy, false) => format!(
            "## Responsable du traitement\n\nLa commune de {town}.\n\n\
             ## Données traitées\n\n- votre adresse e-mail, votre nom affiché et l’empreinte de votre mot de passe (jamais le mot de passe lui-même) ;\n\
             - vos contributions : réponses, propositions, soutiens, votes et commentaires ;\n\
             - le journal des e-mails envoyés, et vos choix de notification.\n\n\
             ## Finalités\n\nVous permettre de participer aux consultations de la commune et vous en tenir informé. Aucune donnée n’est vendue ni utilisée à des fins publicitaires ; aucun traceur n’est déposé : seuls des cookies de session, nécessaires, sont utilisés.\n\n\
             ## Durée\n\nVos données sont gardées tant que votre compte existe. Si vous le supprimez, vos données personnelles sont effacées et vos contributions restent, sans votre nom.\n\n\
             ## Vos droits\n\nDepuis [votre compte](/account), vous pouvez télécharger toutes vos données et supprimer votre compte. Pour toute autre demande, écrivez à la commune ; vous pouvez aussi saisir la CNIL."
        ),
        (Legal::Privacy, true) => format!(
            "## Controller\n\nThe town of {town}.\n\n\
             ## Data processed\n\n- your e-mail address, your display name and a hash of your password (never the password itself);\n\
             - your contributions: answers, proposals, supports, votes and comments;\n\
             - the log of e-mails sent, and your notification choices.\n\n\
             ## Purposes\n\nLetting you take part in the town's consultations and keeping you informed. No data is sold or used for advertising; no tracker is set: only necessary session cookies are used.\n\n\
             ## Retention\n\nYour data is kept while your account exists. If you delete it, your personal data is erased and your contributions stay, without your name.\n\n\
             ## Your rights\n\nFrom [your account](/account) you can download all your data and delete your account. For any other request, write to the town; you may also refer to the CNIL."
        ),
        (Legal::Accessibility, false) => format!(
            "La commune de {town} s’engage à rendre son espace de participation accessible, conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005.\n\n\
             ## État de conformité\n\nCet espace est **partiellement conforme** au référentiel général d’amélioration de l’accessibilité (RGAA) : il n’a pas encore fait l’objet d’un audit complet.\n\n\
             ## Ce qui est vérifié\n\nChaque version de la plateforme est testée dans un navigateur : toutes les pages du parcours d’un habitant et de la commune passent l’analyse automatique axe-core sans erreur, et un questionnaire se remplit entièrement au clavier. Les pages fonctionnent sans JavaScript, ont un lien d’évitement, un seul titre principal, des champs étiquetés dont les erreurs sont reliées, et des graphiques accompagnés de leur tableau de chiffres.\n\n\
             ## Contenus non accessibles\n\nLes textes, images et documents ajoutés par la commune peuvent ne pas être accessibles.\n\n\
             ## Retour d’information et contact\n\nSi vous ne pouvez pas accéder à un contenu ou à un service, contactez la commune pour être orienté vers une alternative accessible.\n\n\
             ## Voies de recours\n\nSi vous constatez un défaut d’accessibilité qui vous empêche d’accéder à un contenu, que vous l’avez signalé et que vous n’avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur des droits (formulaire en ligne, délégué de votre région, ou courrier gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07)."
        ),
        (Legal::Accessibility, true) => format!(
            "The town of {town} is committed to making its participation space accessible, in accordance with article 47 of French law no. 2005-102 of 11 February 2005.\n\n\
             ## Compliance status\n\nThis space is **partially compliant** with the French accessibility framework (RGAA): it has not yet had a full audit.\n\n\
             ## What is checked\n\nEvery version of the platform is tested in a browser: every page of a resident's and a town's journey passes the automatic axe-core analysis without error, and a questionnaire can be filled in with the keyboard only. Pages work without JavaScript, have a skip link, a single main heading, labelled fields whose errors are tied to them, and charts that come with their table of figures.\n\n\
             ## Non-accessible content\n\nTexts, images and documents added by the town may not be accessible.\n\n\
             ## Feedback and contact\n\nIf you cannot reach some content or service, contact the town to be directed to an accessible alternative.\n\n\
             ## Remedies\n\nIf you find an accessibility defect that prevents you from reaching content, have reported it and had no satisfactory answer, you may refer to the Défenseur des droits (online form, regional delegate, or free post: Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07)."
        ),
    }
}
