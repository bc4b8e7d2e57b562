// Shared by the browser tests: a throwaway Tugra home with the demo data,
// `tugra serve` on a free loopback port, Debian's chromium driven by
// playwright-core, and screenshots kept as test artifacts.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const TUGRA = process.env.TUGRA_BIN ?? "build/bin/tugra";
export const VCARD = process.env.TUGRA_VCARD_MODULE ?? "build/lib/libtugra-vcard.so";
// The demo data's officer (ali.camli) authenticator key, and a demo applicant
// (each test file runs in a process of its own: a file may change her details).
export const OFFICER_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
export const CAGRI = {
  identity: { tckn: "99900000210", sicil_no: "1234567890", given_name: "Çağrı Işıl", surname: "Öztürk",
              birth_place: "İzmir", birth_date: "30.09.1988" },
  email: "cagri@example.org", mobile: "0532 123 45 67", mobileE164: "+905321234567", word: "Gizli2026Söz",
};
export const ARTIFACTS = process.env.TUGRA_E2E_ARTIFACTS ?? "build/e2e-artifacts";

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class Home {
  constructor(extraEnv = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "tugra-e2e-"));
    this.env = {
      ...process.env, TUGRA_HOME: this.dir, TUGRA_LANG: "tr", TUGRA_PORTAL_DEMO: "true",
      TUGRA_PORTAL_CAPTCHA_FIXED: "ABCDE", TUGRA_PORTAL_ARGON2_MEMORY_KIB: "8192", TUGRA_PORTAL_ARGON2_OPS: "1",
      ...extraEnv,
    };
    delete this.env.TUGRA_DATABASE_URL;
  }
  tugra(...args) {
    return execFileSync(TUGRA, args, { env: this.env, encoding: "utf8" });
  }
  // On this.port when set (a test that names the address in certificates first), else a free one.
  async serve() {
    this.port ??= await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.server = spawn(TUGRA, ["serve", "--listen", `127.0.0.1:${this.port}`], { env: this.env, stdio: "ignore" });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(this.base + "/healthz")).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("tugra serve did not start");
  }
  stop() {
    this.server?.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A home initialised with the demo data and virtual cards of its own, its
// server started (on `port` when given: a test that names it in certificates first).
export async function demoHome(extraEnv = {}, port = undefined) {
  const home = new Home(extraEnv);
  home.port = port;
  home.env.TUGRA_VCARD_DIR = join(home.dir, "vcards");
  home.tugra("init");
  home.tugra("demo", "seed");
  await home.serve();
  return home;
}

// Screenshots of every step, named in order, under ARTIFACTS/<test>/.
export class Camera {
  constructor(test) {
    this.dir = join(ARTIFACTS, test);
    mkdirSync(this.dir, { recursive: true });
    this.n = 0;
  }
  async shot(page, name) {
    this.n += 1;
    await page.screenshot({ path: join(this.dir, `${String(this.n).padStart(2, "0")}-${name}.png`), fullPage: true });
  }
}

// RFC 6238 code of a base32 secret (the demo officer's authenticator).
export function totp(base32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

// Form posts through a context's request API, which shares its cookies,
// carrying the CSRF token of the last page read.
function formClient(context, home) {
  const request = context.request;
  const client = { csrf: "" };
  client.get = async (path) => {
    const text = await (await request.get(home.base + path)).text();
    const m = text.match(/name="csrf" value="([^"]+)"/);
    if (m) client.csrf = m[1];
    return text;
  };
  client.post = async (path, form, expect = 303) => {
    const response = await request.post(home.base + path, { form: { ...form, csrf: client.csrf }, maxRedirects: 0 });
    if (response.status() !== expect) throw new Error(`${path}: ${response.status()} ${await response.text()}`);
    return response;
  };
  return client;
}

// Seed 000 steps 1/6 to 4/6 without the pages' clicks (the browser test of
// seed 000 clicks through them), in `context`: the application is confirmed
// and waits for its signing method (5/6).
export async function applyOnline(context, home, person, appType = "new") {
  const c = formClient(context, home);
  await c.get("/basvuru");
  await context.request.get(home.base + "/captcha.png");
  await c.post("/basvuru", { ...person.identity, captcha: "ABCDE" });
  await c.get("/basvuru/form");
  await c.post("/basvuru/form", {
    reader_type: "mini", years: "3", app_type: appType, publish: "yes", limit: "", unit: "Bilgi İşlem", title: "Uzman",
    address: "Gebze Yerleşkesi", il: "Kocaeli", ilce: "Gebze", postal_code: "41470", email: person.email,
    work_phone: "", work_ext: "", mobile: person.mobile, operator: "turkcell", home_phone: "", channel: "both",
    security_word: person.word, security_word2: person.word,
  });
  await c.get("/basvuru/sms");
  await c.post("/basvuru/sms", {});
  await c.post("/basvuru/sms/kod", { code: lastCode(home, person.mobileE164) });
  return c;
}

// The demo officer (ali.camli, or the call centre's cagri.merkezi), logged in
// with password and TOTP code, in a context of its own: a form client whose
// context is `client.context`.
export async function officerClient(browser, home, officerTotp, username = "ali.camli") {
  const context = await browser.newContext();
  const c = formClient(context, home);
  c.context = context;
  await c.get("/kurum/giris");
  await c.post("/kurum/giris", { username, password: "Demo-Parola-2026" });
  await c.get("/kurum/dogrulama");
  // A code is taken once: a second log-in within its 30 seconds waits for the next one.
  const step = () => Math.floor(Date.now() / 30000);
  while (usedSteps.get(officerTotp) === step()) await new Promise((r) => setTimeout(r, 500));
  usedSteps.set(officerTotp, step());
  await c.post("/kurum/dogrulama", { code: totp(officerTotp) });
  return c;
}
const usedSteps = new Map();

// The officer's id of `tckn`'s newest application (the list page read last sets the CSRF token).
export async function applicationId(officer, tckn) {
  const list = await officer.get("/kurum");
  return list.match(new RegExp(`href="/kurum/basvuru/(\\d+)">\\d+</a></td><td>${tckn}`))[1];
}

// An application made, handed in on paper and approved, then `tugra
// production run` makes the card. Returns the new certificate's serial.
export async function makeCard(browser, home, person, officerTotp) {
  const context = await browser.newContext();
  const applicant = await applyOnline(context, home, person);
  await applicant.get("/basvuru/yontem");
  await applicant.post("/basvuru/yontem", {});
  await context.close();

  const officer = await officerClient(browser, home, officerTotp);
  const id = await applicationId(officer, person.identity.tckn);
  await officer.post(`/kurum/basvuru/${id}/teslim`, { receipt_no: `DK-${id}` });
  await officer.post(`/kurum/basvuru/${id}/onay`, {});
  await officer.context.close();

  home.tugra("vcard", "add");
  home.tugra("production", "run");
  const done = JSON.parse(home.tugra("production", "list", "--json")).filter((r) => r.tckn === person.identity.tckn);
  return done[done.length - 1].certificate;
}

// The six-digit code in the newest outbox message to `to`.
export function lastCode(home, to) {
  const messages = JSON.parse(home.tugra("outbox", "--to", to, "--limit", "1", "--json"));
  return messages[0].body.match(/\b(\d{6})\b/)[1];
}

// Şifreli Giriş of seed 001 as a holder types it (the captcha is fixed in demo mode).
export async function holderLogIn(page, home, person, camera, word = person.word) {
  await page.goto(home.base + "/");
  await page.getByRole("link", { name: /Bireysel/ }).first().click();
  await camera?.shot(page, "user-verification");
  await page.getByRole("link", { name: "Şifreli Giriş" }).click();
  await page.getByLabel("Kimlik No").fill(person.identity.tckn);
  await page.getByLabel("Resimdeki Yazı").fill("abcde");
  await page.getByLabel("Güvenlik Sözcüğü", { exact: true }).fill(word);
  await camera?.shot(page, "password-login");
  await page.getByRole("button", { name: "Giriş" }).click();
}

// The SMS confirmation after Şifreli Giriş, through to the menu.
export async function holderSms(page, home, person, camera) {
  await page.waitForURL(/\/bireysel\/sms$/);
  assert.equal(await page.locator("#masked-phone").innerText(), person.mobileE164.slice(3, 5) + "* *** ** **");
  await camera?.shot(page, "sms-confirm");
  await page.getByRole("button", { name: "Onay" }).click();
  await page.waitForURL(/\/bireysel\/sms\/kod$/);
  await camera?.shot(page, "sms-code");
  await page.getByLabel("SMS Onay Kodu:").fill(lastCode(home, person.mobileE164));
  await page.getByRole("button", { name: "Gönder" }).click();
  await page.waitForURL(/\/bireysel\/menu$/);
}

// `tugra agent` on a free loopback port for the pages of `home` (set
// home.env.TUGRA_AGENT_URL to agent.url before home.serve()).
export class Agent {
  static async start(home, port, origins) {
    const agent = new Agent();
    agent.url = `http://127.0.0.1:${port}`;
    agent.process = spawn(TUGRA, ["agent", "--listen", `127.0.0.1:${port}`, ...origins.flatMap((o) => ["--origin", o])],
      { env: home.env, stdio: "ignore" });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(agent.url + "/v1/status", { headers: { Origin: origins[0] } })).ok) return agent;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("tugra agent did not start");
  }
  stop() {
    this.process?.kill("SIGTERM");
  }
}

// A demo home served, a browser, and Çağrı's card made (on hold): where the
// page tests start. Returns { home, browser, serial }.
export async function demoWithCard() {
  const home = await demoHome();
  const browser = await launchBrowser();
  const serial = await makeCard(browser, home, CAGRI, OFFICER_TOTP);
  return { home, browser, serial };
}

// How far the page is wider than the viewport (0 when it fits).
export const overflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
