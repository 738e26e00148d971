// The platform's pages in headless Chromium (Debian's), from outside the code:
// a town signs up and is approved, its admin runs a questionnaire, two
// citizens register from their mails and answer (one with the keyboard only),
// one comments and the other is notified of the reply, the admin publishes the
// results, a citizen unsubscribes. Every page is scanned with axe-core (any
// violation fails the run) and weighed (HTML + CSS + JS under 100 KB); key
// pages are photographed at phone and desktop widths.
//
// Run by tests/e2e/browser.py, which starts the platform and the mailbox.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const { BASE_DOMAIN, BASE_PORT, MAILBOX, OPERATOR_EMAIL, OPERATOR_TOKEN, ARTEFACTS } = process.env;
const PLATFORM = `http://${BASE_DOMAIN}:${BASE_PORT}`;
const town = (slug) => `http://${slug}.${BASE_DOMAIN}:${BASE_PORT}`;
const PHONE = { width: 375, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
const WEIGHT_LIMIT = 100 * 1024;

const failures = [];
const scanned = [];
let stepCount = 0;

function step(name, ok, detail = '') {
  stepCount += 1;
  console.log(`${ok ? 'ok ' : 'FAIL'} ${name}${!ok && detail ? ` — ${detail}` : ''}`);
  if (!ok) failures.push(name);
  return ok;
}

async function mailLink(to, page) {
  const res = await fetch(`${MAILBOX}/link?to=${encodeURIComponent(to)}&page=${encodeURIComponent(page)}`);
  const body = await res.json();
  if (!body.url) throw new Error(`no mail to ${to} with a ${page} link`);
  // Mails sent from the platform host name the town's public host, without
  // the port the test server listens on.
  const url = new URL(body.url);
  if (!url.port) url.port = BASE_PORT;
  return url.toString();
}

async function subjects(to) {
  const res = await fetch(`${MAILBOX}/mails?to=${encodeURIComponent(to)}`);
  return (await res.json()).subjects;
}

async function waitForSubject(to, test, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await subjects(to)).find(test);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/// Scans the page with axe-core (every rule), weighs it, and records both.
async function check(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  const html = Buffer.byteLength(await page.content());
  // The stylesheets and scripts the page links, fetched by the page itself.
  const assetBytes = await page.evaluate(async () => {
    const urls = [
      ...[...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.href),
      ...[...document.querySelectorAll('script[src]')].map((s) => s.src),
    ];
    const sizes = await Promise.all(urls.map((u) => fetch(u).then((r) => r.arrayBuffer()).then((b) => b.byteLength)));
    return sizes.reduce((a, b) => a + b, 0);
  });
  const weight = html + assetBytes;
  scanned.push({ label, url: page.url(), violations: violations.length, weight });
  step(`${label}: zero axe-core violations`, violations.length === 0, violations.join('\n      '));
  step(`${label}: ${weight} bytes of HTML + CSS + JS (under 100 KB)`, weight < WEIGHT_LIMIT);
  const h1 = await page.locator('h1').count();
  step(`${label}: exactly one h1`, h1 === 1, `${h1} found`);
}

/// Screenshots at phone and desktop widths.
async function shoot(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(ARTEFACTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(ARTEFACTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(size);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    `--host-resolver-rules=MAP *.${BASE_DOMAIN} 127.0.0.1, MAP ${BASE_DOMAIN} 127.0.0.1`,
  ],
});

/// A person with their own browser (cookies), failing the run on any 5xx.
async function person(label) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR' });
  const page = await context.newPage();
  page.on('response', (res) => {
    if (res.status() >= 500) step(`${label}: ${res.url()} answered without a 5xx`, false, `${res.status()}`);
  });
  page.on('pageerror', (e) => step(`${label}: no script error`, false, e.message));
  return { context, page };
}

/// Presses a form's button and waits for the page the server answers with.
async function submit(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

const PASSWORD = 'une phrase de passe assez longue';
const CONTACT = 'mairie@hanches.example';
const A = { name: 'Alice M.', email: 'alice@example.fr' };
const B = { name: 'Bruno K.', email: 'bruno@example.fr' };
let consultationUrl;

try {
  // ---- The operator sets a password from the CLI's link and the platform's pages.
  const ops = await person('operator');
  await ops.page.goto(`${PLATFORM}/password/reset?token=${OPERATOR_TOKEN}`);
  await check(ops.page, 'set a password (platform)');
  await ops.page.getByLabel('Nouveau mot de passe').fill(PASSWORD);
  await submit(ops.page, 'Enregistrer le mot de passe');
  step('the operator sets a password', (await ops.page.textContent('main')).includes('Mot de passe enregistré'));

  // ---- A town signs up.
  const contact = await person('contact');
  await contact.page.goto(PLATFORM);
  await check(contact.page, 'platform home');
  await shoot(contact.page, 'platform-home');
  await contact.page.getByRole('link', { name: 'Inscrire ma commune' }).click();
  await contact.page.getByLabel('Nom ou code postal de la commune').fill('28191');
  await submit(contact.page, 'Rechercher');
  step('the commune search finds Hanches by postal code or code', (await contact.page.textContent('main')).includes('Hanches'));
  await contact.page.getByLabel('Nom ou code postal de la commune').fill('hanch');
  await submit(contact.page, 'Rechercher');
  await contact.page.getByLabel(/Hanches/).check();
  await submit(contact.page, 'Envoyer la demande');
  step('a request without its fields is sent back with errors', (await contact.page.locator('.summary').count()) === 1);
  await check(contact.page, 'signup with errors');
  await shoot(contact.page, 'signup-errors');
  const firstError = await contact.page.locator('#slug').getAttribute('aria-describedby');
  step('an error is tied to its field with aria-describedby', (firstError || '').includes('slug-error'), firstError);
  await contact.page.getByLabel('Adresse souhaitée').fill('hanches');
  await contact.page.getByLabel('Nom de la personne à contacter').fill('Claire Maire');
  await contact.page.getByLabel('Son adresse e-mail').fill(CONTACT);
  await submit(contact.page, 'Envoyer la demande');
  step('the town’s request is recorded', (await contact.page.textContent('main')).includes('Demande enregistrée'));
  await contact.page.goto(await mailLink(CONTACT, '/signup/verify'));
  await check(contact.page, 'confirm the request');
  await submit(contact.page, 'Confirmer');
  step('the contact confirms the request from the mail', (await contact.page.textContent('main')).includes('Adresse confirmée'));

  // ---- The operator approves it.
  await ops.page.goto(`${PLATFORM}/login`);
  await check(ops.page, 'login (platform)');
  await ops.page.getByLabel('Adresse e-mail').fill(OPERATOR_EMAIL);
  await ops.page.getByLabel('Mot de passe').fill('wrong password');
  await submit(ops.page, 'Se connecter');
  step('a wrong password is refused on the page', (await ops.page.locator('.summary').count()) === 1);
  await check(ops.page, 'login with errors');
  await ops.page.getByLabel('Mot de passe').fill(PASSWORD);
  await submit(ops.page, 'Se connecter');
  await ops.page.goto(`${PLATFORM}/operator`);
  await check(ops.page, 'operator: towns to review');
  await shoot(ops.page, 'operator-towns');
  await ops.page.getByRole('link', { name: 'Approuver Hanches' }).click();
  await check(ops.page, 'operator: confirm approval');
  await submit(ops.page, 'Approuver la commune');
  step('the operator approves the town', (await ops.page.textContent('main')).includes('C’est fait'));
  await ops.page.goto(`${PLATFORM}/operator?status=active`);
  step('the town is listed as active', (await ops.page.textContent('main')).includes('Hanches'));
  await ops.page.goto(`${PLATFORM}/operator/audit`);
  await check(ops.page, 'operator: audit log');
  step('the approval is in the audit log', (await ops.page.textContent('main')).includes('tenant.approve'));

  // ---- The contact becomes the town's admin and runs a questionnaire.
  const HANCHES = town('hanches');
  const admin = contact;
  await admin.page.goto(await mailLink(CONTACT, '/invitations/accept'));
  await check(admin.page, 'accept the invitation');
  await admin.page.getByLabel('Nom affiché').fill('Claire (mairie)');
  await admin.page.getByLabel('Nouveau mot de passe').fill(PASSWORD);
  await submit(admin.page, 'Rejoindre l’équipe');
  step('the admin joins and lands on the console', admin.page.url().startsWith(`${HANCHES}/admin`));
  await check(admin.page, 'admin dashboard');
  await shoot(admin.page, 'admin-dashboard');
  await admin.page.getByRole('link', { name: 'Nouvelle consultation' }).click();
  await check(admin.page, 'new consultation');
  await submit(admin.page, 'Créer le brouillon');
  step('an empty consultation is refused with errors', (await admin.page.locator('.summary').count()) === 1);
  await check(admin.page, 'new consultation with errors');
  await admin.page.getByLabel('Titre').fill('Le marché du samedi');
  await admin.page.getByLabel('Résumé en une phrase').fill('Quel marché voulez-vous ?');
  await admin.page.getByLabel('Présentation').fill('La commune **réorganise** le marché.\n\n- horaires\n- produits');
  await submit(admin.page, 'Créer le brouillon');
  step('the draft is created', (await admin.page.textContent('main')).includes('Consultation créée'));
  await check(admin.page, 'manage a draft');
  const questions = [
    { kind: 'single_choice', label: 'Quel jour préférez-vous ?', options: 'Samedi\nDimanche', required: true },
    { kind: 'multiple_choice', label: 'Quels produits voulez-vous ?', options: 'Légumes\nFromage\nPain' },
    { kind: 'scale', label: 'Quelle note donnez-vous au marché actuel ?', min: '1', max: '5' },
    { kind: 'text', label: 'Une remarque ?' },
  ];
  for (const q of questions) {
    await admin.page.getByLabel('Type de question').selectOption(q.kind);
    await admin.page.getByLabel('Intitulé').fill(q.label);
    if (q.options) await admin.page.getByLabel(/Choix proposés/).fill(q.options);
    if (q.min) await admin.page.getByLabel(/Note la plus basse/).fill(q.min);
    if (q.max) await admin.page.getByLabel(/Note la plus haute/).fill(q.max);
    if (q.required) await admin.page.getByLabel('Réponse obligatoire').check();
    await submit(admin.page, 'Ajouter la question');
  }
  step('four questions are added', (await admin.page.locator('#questions + ol > li, section ol > li').count()) === 4);
  await submit(admin.page, 'Publier la consultation');
  step('the consultation is published', (await admin.page.textContent('main')).includes('Consultation publiée'));
  await admin.page.getByRole('link', { name: 'Voir la page publique' }).click();
  consultationUrl = admin.page.url();

  // ---- Two citizens register from their mails and answer.
  const citizens = [];
  for (const who of [A, B]) {
    const c = await person(who.name);
    await c.page.goto(HANCHES);
    await check(c.page, `town home (${who.name})`);
    await c.page.getByRole('link', { name: 'Créer un compte', exact: true }).first().click();
    await check(c.page, 'register');
    await c.page.getByLabel('Nom affiché').fill(who.name);
    await c.page.getByLabel('Adresse e-mail').fill(who.email);
    await c.page.getByLabel('Mot de passe').fill('court');
    await submit(c.page, 'Créer mon compte');
    step(`${who.name}: a short password is refused, the name is kept`, (await c.page.getByLabel('Nom affiché').inputValue()) === who.name);
    await check(c.page, 'register with errors');
    await c.page.getByLabel('Mot de passe').fill(PASSWORD);
    await submit(c.page, 'Créer mon compte');
    step(`${who.name} registers`, (await c.page.textContent('main')).includes('Compte créé'));
    await c.page.goto(await mailLink(who.email, '/verify-email'));
    await check(c.page, 'confirm my address');
    await submit(c.page, 'Confirmer mon adresse');
    await c.page.getByLabel('Adresse e-mail').fill(who.email);
    await c.page.getByLabel('Mot de passe').fill(PASSWORD);
    await submit(c.page, 'Se connecter');
    step(`${who.name} confirms the address and logs in`, (await c.page.textContent('header')).includes('Mon compte'));
    citizens.push(c);
  }
  const [alice, bruno] = citizens;

  // Alice answers with the mouse.
  await alice.page.goto(consultationUrl);
  await check(alice.page, 'questionnaire');
  await shoot(alice.page, 'questionnaire');
  await submit(alice.page, 'Envoyer mes réponses');
  step('a missing required answer is shown beside its question', (await alice.page.locator('fieldset .error').count()) >= 1);
  await check(alice.page, 'questionnaire with errors');
  await alice.page.getByLabel('Samedi').check();
  await alice.page.getByLabel('Légumes').check();
  await alice.page.getByLabel('Pain').check();
  await alice.page.getByLabel('4', { exact: true }).check();
  await alice.page.getByLabel('Une remarque ?').fill('Plus de stands le matin.');
  await submit(alice.page, 'Envoyer mes réponses');
  step('Alice’s answers are saved', (await alice.page.textContent('main')).includes('votre réponse est enregistrée'));

  // Bruno answers with the keyboard only.
  await bruno.page.goto(consultationUrl);
  const focused = () => bruno.page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e.tagName, name: e.getAttribute('name') || '', value: e.value || '', text: (e.textContent || '').trim(), type: e.type || '' };
  });
  await bruno.page.keyboard.press('Tab');
  step('keyboard: the first Tab reaches the skip link', (await focused()).text === 'Aller au contenu');
  async function tabTo(test, limit = 80) {
    for (let i = 0; i < limit; i += 1) {
      await bruno.page.keyboard.press('Tab');
      if (test(await focused())) return true;
    }
    return false;
  }
  const radio = (f) => f.tag === 'INPUT' && f.type === 'radio' && f.name.startsWith('q-');
  step('keyboard: Tab reaches the first question', await tabTo(radio));
  await bruno.page.keyboard.press('ArrowDown'); // Dimanche
  step('keyboard: the arrow keys choose an answer', (await bruno.page.getByLabel('Dimanche').isChecked()));
  step('keyboard: Tab reaches the checkboxes', await tabTo((f) => f.type === 'checkbox'));
  await bruno.page.keyboard.press('Space'); // Légumes
  await bruno.page.keyboard.press('Tab');
  await bruno.page.keyboard.press('Space'); // Fromage
  step('keyboard: Tab reaches the scale', await tabTo(radio));
  await bruno.page.keyboard.press('ArrowRight');
  await bruno.page.keyboard.press('ArrowRight'); // 3
  step('keyboard: Tab reaches the free text', await tabTo((f) => f.tag === 'TEXTAREA'));
  await bruno.page.keyboard.type('Un marché le dimanche matin.');
  step('keyboard: Tab reaches the send button', await tabTo((f) => f.tag === 'BUTTON' && f.text === 'Envoyer mes réponses'));
  await Promise.all([bruno.page.waitForNavigation(), bruno.page.keyboard.press('Enter')]);
  step('Bruno’s answers, typed on the keyboard only, are saved', (await bruno.page.textContent('main')).includes('votre réponse est enregistrée'));

  // Alice comments; Bruno replies; Alice hears of it by mail.
  await alice.page.goto(consultationUrl);
  await alice.page.getByLabel('Votre commentaire').fill('Et un *marché aux fleurs* ?');
  await submit(alice.page, 'Publier le commentaire');
  step('Alice’s comment is published', (await alice.page.locator('article.comment em').first().textContent()) === 'marché aux fleurs');
  await bruno.page.goto(consultationUrl);
  await bruno.page.locator('details.reply > summary').first().click();
  await bruno.page.getByLabel('Votre réponse').fill('Bonne idée, au printemps.');
  await submit(bruno.page, 'Publier la réponse');
  step('Bruno’s reply is published', (await bruno.page.textContent('.replies')).includes('Bonne idée'));
  await check(bruno.page, 'consultation with comments');
  await shoot(bruno.page, 'comments');
  const replyMail = await waitForSubject(A.email, (s) => /réponse|répondu/i.test(s));
  step('Alice is told of Bruno’s reply by mail', replyMail !== null, JSON.stringify(await subjects(A.email)));

  // ---- The admin closes the questionnaire and publishes its outcome.
  await admin.page.goto(`${HANCHES}/admin`);
  await admin.page.getByRole('link', { name: 'Le marché du samedi' }).click();
  await submit(admin.page, 'Clore la consultation');
  step('the consultation is closed', (await admin.page.textContent('main')).includes('Consultation close'));
  await check(admin.page, 'manage a closed consultation');
  await admin.page.getByLabel(/Ce que la commune retient/).fill('Le marché aura lieu **le samedi**, avec plus de légumes.');
  await submit(admin.page, 'Publier le bilan');
  step('the outcome is published', (await admin.page.textContent('main')).includes('Résultats publiés'));
  const resultsMail = await waitForSubject(A.email, (s) => /résultat/i.test(s));
  step('Alice is told of the results by mail', resultsMail !== null, JSON.stringify(await subjects(A.email)));

  await alice.page.goto(`${consultationUrl}/results`);
  await check(alice.page, 'results');
  await shoot(alice.page, 'results');
  step('the results have a bar chart per choice question', (await alice.page.locator('svg.chart').count()) === 3);
  step('each chart has its table of figures', (await alice.page.locator('table').count()) === 3);
  step('the outcome text is shown', (await alice.page.textContent('main')).includes('le samedi'));
  const dayRow = await alice.page.locator('table').first().textContent();
  step('the figures are right (Samedi 1, Dimanche 1)', /Samedi\s*1 \(50 %\)/.test(dayRow) && /Dimanche\s*1 \(50 %\)/.test(dayRow), dayRow);

  // ---- Alice unsubscribes from the results mails, from the link in one.
  await alice.page.goto(await mailLink(A.email, '/unsubscribe/'));
  await check(alice.page, 'unsubscribe');
  await submit(alice.page, 'Ne plus recevoir ces messages');
  step('Alice unsubscribes', (await alice.page.textContent('main')).includes('C’est fait'));
  await check(alice.page, 'unsubscribed');

  // ---- Moderation: Alice reports Bruno's reply; the admin hides it.
  await alice.page.goto(consultationUrl);
  const reply = alice.page.locator('.replies article.comment').first();
  await reply.locator('details.report > summary').click();
  await reply.getByLabel('Pourquoi ce commentaire pose-t-il problème ?').fill('Hors sujet');
  await Promise.all([alice.page.waitForNavigation(), reply.getByRole('button', { name: 'Envoyer le signalement' }).click()]);
  step('Alice reports a reply', (await alice.page.textContent('main')).includes('Signalement transmis'));
  await admin.page.goto(`${HANCHES}/admin/moderation`);
  await check(admin.page, 'moderation queue');
  step('the report is in the queue with its reason', (await admin.page.textContent('main')).includes('Hors sujet'));
  await admin.page.getByLabel(/Motif, affiché/).first().fill('Hors sujet');
  await submit(admin.page, 'Masquer : Bruno K.');
  await alice.page.goto(consultationUrl);
  step('the hidden reply shows its reason instead', (await alice.page.textContent('.replies')).includes('masqué par la modération'));

  // ---- An idea box and a participatory budget.
  async function newConsultation(kind, title, extra) {
    await admin.page.goto(`${HANCHES}/admin/consultations/new`);
    await admin.page.getByRole('radio', { name: kind }).check();
    await admin.page.getByLabel('Titre').fill(title);
    await extra();
    await submit(admin.page, 'Créer le brouillon');
  }
  await newConsultation('Boîte à idées', 'Des idées pour le parc', async () => {
    await admin.page.getByLabel(/Catégories/).fill('Jeux\nNature');
  });
  await submit(admin.page, 'Publier la consultation');
  await admin.page.getByRole('link', { name: 'Voir la page publique' }).click();
  const ideasUrl = admin.page.url();
  await newConsultation('Budget participatif', 'Budget du quartier', async () => {
    await admin.page.getByLabel(/Enveloppe en euros/).fill('10000');
  });
  for (const [title, cost] of [['Bancs', '3000'], ['Fontaine', '6000'], ['Aire de jeux', '8000']]) {
    await admin.page.getByLabel('Titre du projet').fill(title);
    await admin.page.getByLabel('Coût en euros').fill(cost);
    await submit(admin.page, 'Ajouter le projet');
  }
  await check(admin.page, 'manage a budget');
  await submit(admin.page, 'Publier la consultation');
  await admin.page.getByRole('link', { name: 'Voir la page publique' }).click();
  const budgetUrl = admin.page.url();

  await alice.page.goto(ideasUrl);
  await alice.page.getByLabel('Titre de l’idée').fill('Un potager partagé');
  await alice.page.getByLabel('Votre idée en quelques lignes').fill('Des bacs pour les écoles.');
  await alice.page.getByLabel('Catégorie', { exact: true }).last().selectOption('Nature');
  await submit(alice.page, 'Publier ma proposition');
  step('Alice proposes an idea', (await alice.page.textContent('main')).includes('Un potager partagé'));
  await bruno.page.goto(ideasUrl);
  await submit(bruno.page, 'Soutenir : Un potager partagé');
  const supported = await bruno.page.textContent('main');
  step('Bruno supports it', supported.includes('1 soutien'), supported.slice(0, 3000));
  await check(bruno.page, 'idea box');
  await shoot(bruno.page, 'idea-box');
  await admin.page.goto(`${HANCHES}/admin`);
  await admin.page.getByRole('link', { name: 'Des idées pour le parc' }).click();
  await admin.page.getByLabel('Suite donnée').selectOption('accepted');
  await admin.page.getByLabel(/Réponse publiée/).fill('Nous le ferons au printemps.');
  await submit(admin.page, 'Répondre : Un potager partagé');
  const answered = await admin.page.textContent('main');
  step('the admin answers the proposal', answered.includes('Réponse publiée'), answered.slice(0, 2000));
  await check(admin.page, 'answer proposals');
  await bruno.page.goto(ideasUrl);
  step('the town’s answer is shown on the proposal', (await bruno.page.textContent('main')).includes('au printemps'));

  await bruno.page.goto(budgetUrl);
  await check(bruno.page, 'budget ballot');
  await bruno.page.getByLabel(/Fontaine/).check();
  await bruno.page.getByLabel(/Aire de jeux/).check();
  step('the total follows the ticks live', (await bruno.page.textContent('#total')).replace(/\s/g, '').startsWith('14000'));
  step('going over the envelope is said in words', await bruno.page.locator('#over').isVisible());
  await submit(bruno.page, 'Voter pour ces projets');
  step('an over-budget ballot is refused, the ticks kept', (await bruno.page.locator('.summary').count()) === 1 && (await bruno.page.getByLabel(/Fontaine/).isChecked()));
  await check(bruno.page, 'budget ballot with errors');
  await shoot(bruno.page, 'budget-errors');
  await bruno.page.getByLabel(/Aire de jeux/).uncheck();
  await bruno.page.getByLabel(/Bancs/).check();
  await submit(bruno.page, 'Voter pour ces projets');
  step('Bruno votes within the envelope', (await bruno.page.textContent('main')).includes('votre vote est enregistré'));

  // Without scripts, the server works out the total.
  const plain = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, locale: 'fr-FR' });
  const noScript = await plain.newPage();
  await noScript.goto(`${HANCHES}/login`);
  await noScript.getByLabel('Adresse e-mail').fill(A.email);
  await noScript.getByLabel('Mot de passe').fill(PASSWORD);
  await submit(noScript, 'Se connecter');
  await noScript.goto(budgetUrl);
  await noScript.getByLabel(/Bancs/).check();
  await noScript.getByLabel(/Fontaine/).check();
  await submit(noScript, 'Calculer le total');
  step('without JavaScript, the server works out the total', (await noScript.textContent('#total')).replace(/\s/g, '').startsWith('9000'));
  await submit(noScript, 'Voter pour ces projets');
  step('and the ballot is cast', (await noScript.textContent('main')).includes('votre vote est enregistré'));
  await plain.close();

  // ---- The staff's other pages.
  for (const [label, where] of [
    ['announcements', '/admin/announcements'],
    ['delivery log', '/admin/deliveries'],
    ['team and invitations', '/admin/members'],
    ['space settings', '/admin/settings'],
    ['logo and colour', '/admin/branding'],
  ]) {
    await admin.page.goto(`${HANCHES}${where}`);
    await check(admin.page, label);
  }
  await admin.page.goto(`${HANCHES}/admin/announcements`);
  await admin.page.getByLabel('Objet').fill('Fête du village');
  await admin.page.getByLabel('Message (Markdown)').fill('Rendez-vous **samedi** sur la place.');
  await submit(admin.page, 'Aperçu');
  step('the announcement has a preview', (await admin.page.textContent('#apercu + p, section')).includes('Fête du village'));
  await check(admin.page, 'announcement preview');
  await submit(admin.page, 'M’envoyer un test');
  step('a test goes to the admin alone', (await waitForSubject(CONTACT, (s) => s.includes('Fête du village'))) !== null);
  await submit(admin.page, 'Envoyer l’annonce');
  step('sending to everyone needs the confirmation box', (await admin.page.locator('#confirm-error').count()) === 1);
  await admin.page.getByLabel('Je confirme l’envoi à tous les destinataires').check();
  await submit(admin.page, 'Envoyer l’annonce');
  step('the announcement goes out', (await waitForSubject(B.email, (s) => s.includes('Fête du village'))) !== null);
  await admin.page.goto(`${HANCHES}/admin/settings`);
  await admin.page.getByLabel('Adresse de contact publiée').fill('pas une adresse');
  await submit(admin.page, 'Enregistrer');
  step('a wrong contact address is refused', (await admin.page.locator('#public_email-error').count()) === 1);
  await admin.page.getByLabel('Adresse de contact publiée').fill('mairie@hanches.example');
  await admin.page.getByLabel('Mentions légales (Markdown)').fill('## Éditeur\n\nMairie de Hanches, 1 place de la Mairie.');
  await submit(admin.page, 'Enregistrer');
  await admin.page.goto(`${HANCHES}/admin/branding`);
  await admin.page.getByLabel('Couleur (#rrggbb)').fill('#0a6b3b');
  await submit(admin.page, 'Enregistrer');
  for (const [label, where] of [
    ['legal notice', '/legal/notice'],
    ['personal data', '/legal/privacy'],
    ['accessibility statement', '/legal/accessibility'],
  ]) {
    await bruno.page.goto(`${HANCHES}${where}`);
    await check(bruno.page, label);
  }
  await bruno.page.goto(`${HANCHES}/legal/notice`);
  step('the town’s own legal notice is shown', (await bruno.page.textContent('main')).includes('1 place de la Mairie'));
  await bruno.page.goto(`${HANCHES}/legal/accessibility`);
  step('the accessibility statement gives the compliance status', (await bruno.page.textContent('main')).includes('partiellement conforme'));
  await shoot(bruno.page, 'accessibility-statement');

  // ---- The other pages a citizen may open.
  const more = [
    ['my account', '/account'],
    ['change my name (refused)', null],
    ['my notifications', '/account/notifications'],
    ['delete my account', '/account/delete'],
    ['subscribe', '/subscribe'],
    ['forgotten password', '/password/forgot'],
    ['login link', '/login/by-email'],
    ['town home (signed in)', '/'],
    ['not found', '/nulle-part'],
  ];
  for (const [label, where] of more) {
    if (where === null) {
      await bruno.page.getByLabel('Nom affiché avec mes contributions').fill('');
      await submit(bruno.page, 'Changer de nom');
    } else {
      await bruno.page.goto(`${HANCHES}${where}`);
    }
    await check(bruno.page, label);
  }
  await shoot(bruno.page, 'not-found');
  await bruno.page.goto(`${HANCHES}/account/notifications`);
  await bruno.page.getByLabel('Jamais').first().check();
  await submit(bruno.page, 'Enregistrer mes choix');
  step('Bruno saves his notification choices', (await bruno.page.textContent('main')).includes('Modifications enregistrées'));
  await bruno.page.goto(HANCHES);
  await bruno.page.getByRole('link', { name: 'English' }).click();
  step('the pages switch to English', (await bruno.page.getAttribute('html', 'lang')) === 'en' && (await bruno.page.textContent('h1')).includes('Take part'));
  await check(bruno.page, 'town home in English');
  await shoot(bruno.page, 'home-english');
} catch (e) {
  step('the journey runs to its end', false, e.stack);
} finally {
  await browser.close();
}

const heaviest = scanned.reduce((a, b) => (b.weight > a.weight ? b : a), { weight: 0 });
console.log(`\n${scanned.length} pages scanned, ${scanned.filter((s) => s.violations).length} with violations; heaviest ${heaviest.weight} bytes (${heaviest.label})`);
console.log(`${stepCount} steps, ${failures.length} failed`);
fs.writeFileSync(path.join(ARTEFACTS, 'pages.json'), JSON.stringify(scanned, null, 2));
process.exit(failures.length ? 1 : 0);
