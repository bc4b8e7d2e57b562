// The card agent (`tugra agent`) with the virtual card, driven as a holder
// uses it in headless Chromium: a card locked by three wrong PINs is
// unlocked through Kilit Çözme (the new PIN typed on the agent's own page,
// the PUK sealed both ways and replaced), PIN Değiştir, and E-İmzalı Giriş.
// Then what the agent and the portal refuse: other origins, bad or replayed
// nonces, a replayed PUK release, a second use of an unlock authorisation,
// another card; each leaves the card and the server as they were. No PIN
// ever reaches the portal: every request the browser sends it is captured.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Agent, CAGRI, Camera, OFFICER_TOTP, VCARD, applicationId, applyOnline, demoHome, freePort, holderLogIn, holderSms,
         launchBrowser, makeCard, officerClient } from "./support.mjs";

const OPERATOR_TOTP = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
// The PINs the holder types on the agent's pages, in turn.
const UNLOCK_PIN = "482915", THIRD_PIN = "135790", CHANGED_PIN = "246813", API_PIN = "907531";
const EVIL = "http://evil.example";
let home, browser, agent, context, page;
const portalBodies = [];

before(async () => {
  // The TSA must answer without a synchronised clock here (no NTP in the test machine); the
  // certificates name this server for OCSP, CRLs and the TSA, so signatures made here validate.
  const agentPort = await freePort(), port = await freePort();
  home = await demoHome({ TUGRA_SERVICE_POLL_MILLISECONDS: "200", TUGRA_TSA_REQUIRE_SYNCHRONISED_CLOCK: "false",
                          TUGRA_AGENT_URL: `http://127.0.0.1:${agentPort}`,
                          TUGRA_SERVICE_PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }, port);
  agent = await Agent.start(home, agentPort, [home.base]);
  browser = await launchBrowser();
  await makeCard(browser, home, CAGRI, OFFICER_TOTP);
  context = await browser.newContext({ locale: "tr-TR" });
  context.setDefaultTimeout(15000);
  // Every body the browser sends to the portal (not to the agent).
  context.on("request", (r) => {
    if (r.url().startsWith(home.base)) portalBodies.push(r.postData() ?? "");
  });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  agent?.stop();
  home?.stop();
});

function p11(...args) {
  return spawnSync("pkcs11-tool", ["--module", VCARD, ...args], { env: home.env, encoding: "utf8" });
}
const pinOpens = (pin) => p11("--login", "--pin", pin, "--list-objects", "--type", "privkey").status === 0;
// The PUK logs in as SO and sets `newPin` (pkcs11-tool's own way to use a PUK).
const pukSets = (puk, newPin) => p11("--login", "--login-type", "so", "--so-pin", puk, "--init-pin", "--new-pin", newPin).status === 0;
const theCard = () => JSON.parse(home.tugra("card", "list", "--json"))[0];

async function pinPukPage() {
  await page.goto(home.base + "/bireysel/pin-puk");
  return { pin: await page.locator("#pin").innerText(), puk: await page.locator("#puk").innerText() };
}

// Starts the agent operation of the page and confirms it on the agent's page (a new tab).
async function confirmOnAgent(camera, name, fill) {
  await page.getByRole("button", { name: "Kartla Devam Et" }).click();
  const link = page.getByRole("link", { name: "Kart uygulamasında onayla" });
  await link.waitFor();
  const [agentPage] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await agentPage.waitForLoadState();
  assert.equal(new URL(agentPage.url()).origin, agent.url);
  assert.equal(await agentPage.locator("#origin").innerText(), home.base);
  await fill(agentPage);
  // An artifact only: the agent's page may be refreshing itself (Kilit Çözme) just then.
  await camera.shot(agentPage, `${name}-agent`).catch(() => {});
  return agentPage;
}

let oldPuk;

test("Kilit Çözme: a card locked by three wrong PINs opens with the new PIN typed on the agent's page", async () => {
  const camera = new Camera("card-agent");
  await holderLogIn(page, home, CAGRI, null);
  await holderSms(page, home, CAGRI, null);
  oldPuk = (await pinPukPage()).puk;
  await page.goto(home.base + "/bireysel/kullanima-ac");
  await page.getByRole("button", { name: "Kullanıma Aç" }).click();
  assert.match(await page.locator("#notice").innerText(), /kullanıma açıldı/);

  for (let i = 0; i < 3; i++) assert.equal(pinOpens("000000"), false);
  assert.equal(theCard().state, "pin_locked");

  await page.goto(home.base + "/bireysel/menu");
  await page.getByRole("link", { name: "Kilit Çözme" }).click();
  assert.match(await page.locator("form.card").innerText(), /Lütfen kartınızı kart okuyucusuna takınız/);
  await camera.shot(page, "unlock-ask");
  await page.getByRole("button", { name: "Tamam" }).click();
  const cardSerial = await page.locator("#unlock-card").innerText();
  assert.equal(cardSerial, theCard().serial);
  const agentPage = await confirmOnAgent(camera, "unlock", async (p) => {
    assert.equal(await p.locator("#authorised-serial").innerText(), cardSerial);
    await p.getByLabel("Yeni PIN Kodu").fill(UNLOCK_PIN);
    await p.getByLabel("Yeni PIN (tekrar)").fill(UNLOCK_PIN);
    await p.getByRole("button", { name: "Yeni PIN Üret" }).click();
  });
  await page.waitForURL(/\/bireysel\/kilit-coz\?ok=1$/);
  assert.match(await page.locator("#unlock-done").innerText(), /PIN'iniz değiştirildi/);
  await camera.shot(page, "unlock-done");
  // The agent's page refreshes itself while the PUK travels, and stops once the card is done.
  await agentPage.locator("#done").waitFor({ timeout: 15000 });
  assert.match(await agentPage.locator("#done").innerText(), /İşlem tamamlandı/);
  await agentPage.close();

  assert.equal(theCard().state, "ready");
  assert.equal(pinOpens(UNLOCK_PIN), true);
  const { pin, puk } = await pinPukPage();
  assert.match(pin, /sizin belirlediğiniz/);
  assert.match(puk, /^\d{8}$/);
  assert.notEqual(puk, oldPuk);
  assert.equal(pukSets(oldPuk, THIRD_PIN), false);  // the PUK that travelled is retired
  assert.equal(pukSets(puk, THIRD_PIN), true);     // the new one, from PIN/PUK Bilgisi, works
  assert.equal(pinOpens(THIRD_PIN), true);
  oldPuk = puk;
  const audit = home.tugra("audit", "list", "--limit", "1000");
  for (const event of ["card.unlock_authorized", "card.puk_released", "card.unlocked"]) assert.match(audit, new RegExp(event));
});

test("PIN Değiştir from the holder menu through the agent", async () => {
  const camera = new Camera("card-agent");
  await page.goto(home.base + "/bireysel/menu");
  await page.getByRole("link", { name: "PIN Değiştir" }).click();
  await confirmOnAgent(camera, "pin-change", async (p) => {
    await p.getByLabel("Mevcut PIN").fill(THIRD_PIN);
    await p.getByLabel("Yeni PIN", { exact: true }).fill(CHANGED_PIN);
    await p.getByLabel("Yeni PIN (tekrar)").fill(CHANGED_PIN);
    await p.getByRole("button", { name: "Onayla" }).click();
  });
  await page.waitForURL(/\/bireysel\/menu\?ok=pin_changed$/);
  assert.match(await page.locator("#notice").innerText(), /PIN'iniz değiştirildi/);
  assert.equal(pinOpens(CHANGED_PIN), true);
  assert.match(home.tugra("audit", "list", "--event", "card.pin_changed"), /card\.pin_changed/);
});

// Runs `steps` in a browser context of its own (another visitor), its requests captured too.
async function inFreshContext(steps) {
  const fresh = await browser.newContext({ locale: "tr-TR" });
  fresh.setDefaultTimeout(15000);
  fresh.on("request", (r) => { if (r.url().startsWith(home.base)) portalBodies.push(r.postData() ?? ""); });
  const saved = [context, page];
  [context, page] = [fresh, await fresh.newPage()];
  try {
    await steps();
  } finally {
    [context, page] = saved;
    await fresh.close();
  }
}

test("E-İmzalı Giriş: the card signs the log-in statement and the menu opens", () => inFreshContext(async () => {
  const camera = new Camera("card-agent");
  await page.goto(home.base + "/bireysel");
  await page.getByRole("link", { name: "E-İmzalı Giriş" }).click();
  await camera.shot(page, "card-login");
  const agentPage = await confirmOnAgent(camera, "card-login", async (p) => {
    const statement = await p.locator("#statement").innerText();
    assert.match(statement, new RegExp(`origin: ${home.base}`));
    assert.match(statement, /nonce: [A-Za-z0-9_-]{43}/);
    await p.getByLabel("PIN", { exact: true }).fill("111111");
    await p.getByRole("button", { name: "Onayla" }).click();
    assert.match(await p.locator("#error").innerText(), /PIN hatalı|kalan|deneme/i);
    await p.getByLabel("PIN", { exact: true }).fill(CHANGED_PIN);
    await p.getByRole("button", { name: "Onayla" }).click();
  });
  await page.waitForURL(/\/bireysel\/menu$/);
  assert.match(await page.locator("#holder-name").innerText(), /ÇAĞRI IŞIL ÖZTÜRK/);
  await camera.shot(page, "card-login-menu");
  await agentPage.close();
  assert.match(home.tugra("audit", "list", "--event", "holder.card_login"), /holder\.card_login/);
}));

// Signs the document the page offers with the card: the agent's page shows it, the PIN is typed there.
async function signOnAgent(camera, name, documentName) {
  return confirmOnAgent(camera, name, async (p) => {
    assert.match(await p.locator("#document-name").innerText(), documentName);
    assert.match(await p.locator("#document-sha256").innerText(), /^[0-9a-f]{64}$/);
    await p.getByLabel("PIN", { exact: true }).fill(CHANGED_PIN);
    await p.getByRole("button", { name: "Onayla" }).click();
  });
}

// pdfsig (poppler) and `tugra verify` both accept a PDF the card signed here.
function acceptedByOthers(pdf, name) {
  const file = join(home.dir, name);
  writeFileSync(file, pdf);
  const pdfsig = spawnSync("pdfsig", [file], { encoding: "utf8" });
  assert.match(pdfsig.stdout, /Signature Validation: Signature is Valid/, pdfsig.stdout + pdfsig.stderr);
  assert.match(pdfsig.stdout, /Signer Certificate Common Name: ÇAĞRI IŞIL ÖZTÜRK/);
  const verify = spawnSync(process.env.TUGRA_BIN ?? "build/bin/tugra", ["verify", file], { env: home.env, encoding: "utf8" });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
}

test("E-Onay: the certificate acceptance awaits, is signed with the card and kept with its report", async () => {
  const camera = new Camera("card-agent");
  await page.goto(home.base + "/bireysel/menu");
  await page.getByRole("link", { name: "E-Onay İşlemleri" }).click();
  assert.match(await page.locator("#awaited").innerText(), /Sertifika Kabul Beyanı/);
  await camera.shot(page, "eonay-list");
  const view = await context.request.get(home.base + "/bireysel/e-onay/belge?" +
    (await page.getByRole("link", { name: "E-İmza ile Onayla" }).getAttribute("href")).split("?")[1]);
  assert.equal(view.headers()["content-type"], "application/pdf");
  await page.getByRole("link", { name: "E-İmza ile Onayla" }).click();
  await signOnAgent(camera, "eonay", /acceptance-/);
  await page.waitForURL(/\/bireysel\/e-onay\?ok=1$/, { timeout: 30000 });
  assert.match(await page.locator("#notice").innerText(), /onaylandı/);
  assert.match(await page.locator("#signed").innerText(), /Sertifika Kabul Beyanı[\s\S]*TOTAL-PASSED/);
  assert.match(await page.locator("#none-awaited").innerText(), /bekleyen belge yok/);
  await camera.shot(page, "eonay-signed");
  const href = await page.locator("#signed a").first().getAttribute("href");
  const signed = await (await context.request.get(home.base + href)).body();
  acceptedByOthers(signed, "kabul-beyani.pdf");
  // The call centre sees it too.
  const operator = await officerClient(browser, home, OPERATOR_TOTP, "cagri.merkezi");
  try {
    const list = await operator.get(`/operator/belgeler?tckn=${CAGRI.identity.tckn}`);
    assert.match(list, /Sertifika Kabul Beyanı[\s\S]*TOTAL-PASSED/);
  } finally {
    await operator.context.close();
  }
});

test("E-İmzalı Başvuru: a renewal signed with the card reaches the officer without paper and is approved", () => inFreshContext(async () => {
  const camera = new Camera("card-agent");
  await applyOnline(context, home, CAGRI, "renewal");
  await page.goto(home.base + "/basvuru/yontem");
  await camera.shot(page, "apply-method");
  await page.getByRole("link", { name: "E-İmzalı Başvuru" }).click();
  await page.waitForURL(/\/basvuru\/e-imza$/);
  await signOnAgent(camera, "apply-esign", /basvuru-\d+\.pdf/);
  await page.waitForURL(/\/basvuru\/e-imzali$/, { timeout: 30000 });
  assert.match(await page.locator("#esign-done").innerText(), /ıslak imzalı form teslim etmeniz gerekmez/);
  await camera.shot(page, "apply-esigned");

  const officer = await officerClient(browser, home, OFFICER_TOTP);
  try {
    const id = await applicationId(officer, CAGRI.identity.tckn);
    const detail = await officer.get(`/kurum/basvuru/${id}`);
    assert.match(detail, /E-İmzalı başvuru/);
    assert.match(detail, /E-İmzalı Başvuru Formu: <span class="verdict">TOTAL-PASSED/);
    assert.match(detail, /Sertifika Kabul Beyanı: <span class="verdict">TOTAL-PASSED/);  // the E-Onay of before
    const acceptance = detail.match(/href="(\/kurum\/basvuru\/\d+\/belge\?tur=acceptance&amp;konu=[0-9A-F]+)"/)[1];
    const acceptancePdf = await officer.context.request.get(home.base + acceptance.replaceAll("&amp;", "&"));
    assert.equal(acceptancePdf.headers()["content-type"], "application/pdf");
    assert.match(detail, /id="receipt">E-IMZA-\d+/);
    // What the officer reads of the form: its type, duration and channel in words; no empty labels.
    assert.match(detail, /id="app-type">Yenileme</);
    assert.match(detail, /id="years">3 Yıl</);
    assert.match(detail, /id="channel">Her İkisi \(E-posta\+SMS\)</);
    assert.doesNotMatch(detail, /<p>[^<]*: <\/p>/);
    assert.match(detail, /30\.09\.1988/);        // typed so, stored 1988-09-30
    assert.match(detail, /0532 123 45 67/);      // typed so, stored +905321234567
    assert.match(await officer.get("/kurum"), /class="app-type">Yenileme</);
    assert.doesNotMatch(detail, /action="\/kurum\/basvuru\/\d+\/teslim"/);  // no paper to receive
    const pdf = await officer.context.request.get(home.base + `/kurum/basvuru/${id}/belge?tur=application`);
    assert.equal(pdf.status(), 200);
    acceptedByOthers(await pdf.body(), "e-imzali-basvuru.pdf");
    await officer.post(`/kurum/basvuru/${id}/onay`, {});
    assert.match(await officer.get(`/kurum/basvuru/${id}`), /data-state="approved"/);
  } finally {
    await officer.context.close();
  }
  const audit = home.tugra("audit", "list", "--event", "application.e_signed");
  assert.match(audit, /application\.e_signed/);
}));

// --- what is refused -------------------------------------------------------------------

const json = { "Content-Type": "application/json" };
const toAgent = (path, body, origin = home.base, extra = {}) =>
  fetch(agent.url + path, body === undefined ? { headers: { Origin: origin, ...extra } }
    : { method: "POST", headers: { Origin: origin, ...json, ...extra }, body: JSON.stringify(body) });

// The holder confirms on the agent's own page as the browser would post it.
async function confirmByForm(id, fields) {
  const html = await (await fetch(`${agent.url}/islem/${id}`)).text();
  const token = html.match(/name="token" value="([^"]+)"/)[1];
  return fetch(`${agent.url}/islem/${id}`, {
    method: "POST", headers: { Origin: agent.url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, action: "confirm", ...fields }),
  });
}

// A new Kilit Çözme authorisation from the portal page: what its script hands the agent.
async function authorise() {
  await page.goto(home.base + "/bireysel/kilit-coz");
  await page.getByRole("button", { name: "Tamam" }).click();
  const d = await page.locator("#agent-op").evaluate((e) => ({ ...e.dataset }));
  return d;
}
const toPortal = (path, form) => context.request.post(home.base + path, { form, failOnStatusCode: false });

test("the agent refuses other origins, other hosts and bad nonces", async () => {
  const nonce = "n".repeat(43);
  assert.equal((await toAgent("/v1/status", undefined, EVIL)).status, 403);
  assert.equal((await toAgent("/v1/operations", { kind: "authenticate", nonce }, EVIL)).status, 403);
  const preflight = await fetch(agent.url + "/v1/operations", { method: "OPTIONS", headers: {
    Origin: EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true" } });
  assert.equal(preflight.status, 403);
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  const allowed = await fetch(agent.url + "/v1/operations", { method: "OPTIONS", headers: {
    Origin: home.base, "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true" } });
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get("access-control-allow-origin"), home.base);
  assert.equal(allowed.headers.get("access-control-allow-private-network"), "true");
  // The agent listens on loopback only.
  const exposed = spawnSync(process.env.TUGRA_BIN ?? "build/bin/tugra", ["agent", "--listen", "0.0.0.0:24999"],
    { env: home.env, encoding: "utf8" });
  assert.equal(exposed.status, 1);
  assert.match(exposed.stderr, /yalnızca bu bilgisayarın kendi adresinde dinler/);
  // A name that resolves here (DNS rebinding) is not the agent.
  const rebound = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example",
    "-H", `Origin: ${home.base}`, agent.url + "/v1/status"], { encoding: "utf8" });
  assert.equal(rebound.stdout, "421");
  for (const bad of [undefined, "short", "x".repeat(43) + "!", "y".repeat(200)]) {
    const r = await toAgent("/v1/operations", { kind: "authenticate", nonce: bad });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, "agent.error.bad_nonce");
  }
  assert.equal((await toAgent("/v1/operations", { kind: "authenticate", nonce })).status, 201);
  const replay = await toAgent("/v1/operations", { kind: "authenticate", nonce });
  assert.equal((await replay.json()).error, "agent.error.replayed_nonce");
  // Another page of an allowed origin cannot read an operation it did not start.
  const { id } = await (await toAgent("/v1/operations", { kind: "change_pin", nonce: "m".repeat(43) })).json();
  assert.equal((await toAgent(`/v1/operations/${id}`, undefined, EVIL)).status, 403);
  // Only the agent's own page confirms.
  const forged = await fetch(`${agent.url}/islem/${id}`, { method: "POST", headers: { Origin: home.base,
    "Content-Type": "application/x-www-form-urlencoded" }, body: "token=x&pin=123456&action=confirm" });
  assert.equal(forged.status, 403);
  assert.equal(pinOpens(CHANGED_PIN), true);
});

test("a replayed PUK release and a second use of an unlock authorisation change nothing", async () => {
  // The renewal's form set the security word anew, which ends every session of the holder: log in again.
  await holderLogIn(page, home, CAGRI, null);
  await holderSms(page, home, CAGRI, null);
  const before = (await pinPukPage()).puk;
  const d = await authorise();
  const { id } = await (await toAgent("/v1/operations",
    { kind: "unlock", nonce: d.nonce, card_serial: d.card, server_key: d.serverKey })).json();
  assert.equal((await confirmByForm(id, { new_pin: API_PIN, new_pin2: API_PIN })).status, 200);
  const waiting = await (await toAgent(`/v1/operations/${id}`)).json();
  assert.equal(waiting.state, "needs_puk");
  const release = { ...waiting.result, nonce: d.nonce, csrf: d.csrf };
  const first = await toPortal("/bireysel/kilit-coz/puk", release);
  assert.equal(first.status(), 200);
  const { sealed_puk } = await first.json();
  const again = await toPortal("/bireysel/kilit-coz/puk", release);
  assert.equal(again.status(), 400);
  assert.equal((await again.json()).sealed_puk, undefined);
  // The agent unlocks once; the same authorisation a second time is refused.
  assert.equal((await (await toAgent(`/v1/operations/${id}/puk`, { sealed_puk })).json()).state, "done");
  const second = await toAgent(`/v1/operations/${id}/puk`, { sealed_puk });
  assert.equal(second.status, 409);
  assert.equal((await second.json()).error, "agent.error.not_waiting");
  assert.equal((await toPortal("/bireysel/kilit-coz/tamam", { nonce: d.nonce, csrf: d.csrf })).status(), 200);
  const twice = await toPortal("/bireysel/kilit-coz/tamam", { nonce: d.nonce, csrf: d.csrf });
  assert.notEqual(twice.status(), 200);
  assert.equal(pinOpens(API_PIN), true);
  const after = (await pinPukPage()).puk;
  assert.notEqual(after, before);
  oldPuk = after;
  assert.match(home.tugra("audit", "list", "--event", "card.unlock_refused"), /already released/);
});

test("a card other than the authorised one: nothing changes on the card or the server", async () => {
  const state = theCard();
  const d = await authorise();
  // The agent: the inserted card is not the one in the request.
  const { id } = await (await toAgent("/v1/operations",
    { kind: "unlock", nonce: d.nonce, card_serial: "0000000000000001", server_key: d.serverKey })).json();
  const refused = await confirmByForm(id, { new_pin: "111222", new_pin2: "111222" });
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /yetkilendirilen kart/);
  assert.equal((await (await toAgent(`/v1/operations/${id}`)).json()).error, "agent.error.wrong_card");
  // The portal: a release for another card gives nothing out.
  const other = await toPortal("/bireysel/kilit-coz/puk", { nonce: d.nonce, csrf: d.csrf, card_serial: "0000000000000001",
    agent_key: "A".repeat(43) + "=", sealed_new_puk: "AAAA" });
  assert.equal(other.status(), 400);
  assert.equal((await other.json()).error, "holder.unlock_wrong_card");
  assert.deepEqual(theCard(), state);
  assert.equal(pinOpens(API_PIN), true);
  assert.equal((await pinPukPage()).puk, oldPuk);
});

test("no PIN reached the portal", () => {
  assert.ok(portalBodies.length > 10);
  for (const body of portalBodies)
    for (const pin of [UNLOCK_PIN, THIRD_PIN, CHANGED_PIN, API_PIN, "111222"]) assert.ok(!body.includes(pin), body);
});
