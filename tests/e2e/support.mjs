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
  async serve() {
    this.port = await freePort();
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

// An application made and approved without the pages' clicks (the browser
// test of seed 000 clicks through them): form posts through the context's
// request API, which shares its cookies; then `tugra production run` makes
// the card. Returns the new certificate's serial.
export async function makeCard(browser, home, person, officerTotp) {
  const context = await browser.newContext();
  const request = context.request;
  let csrf = "";
  const get = async (path) => {
    const text = await (await request.get(home.base + path)).text();
    const m = text.match(/name="csrf" value="([^"]+)"/);
    if (m) csrf = m[1];
    return text;
  };
  const post = async (path, form) => {
    const response = await request.post(home.base + path, { form: { ...form, csrf }, maxRedirects: 0 });
    if (response.status() !== 303) throw new Error(`${path}: ${response.status()} ${await response.text()}`);
    return response.headers().location;
  };
  await get("/basvuru");
  await request.get(home.base + "/captcha.png");
  await post("/basvuru", { ...person.identity, captcha: "ABCDE" });
  await get("/basvuru/form");
  await post("/basvuru/form", {
    reader_type: "mini", years: "3", app_type: "new", publish: "yes", limit: "", unit: "Bilgi İşlem", title: "Uzman",
    address: "Gebze Yerleşkesi", il: "Kocaeli", ilce: "Gebze", postal_code: "41470", email: person.email,
    work_phone: "", work_ext: "", mobile: person.mobile, operator: "turkcell", home_phone: "", channel: "both",
    security_word: person.word, security_word2: person.word,
  });
  await get("/basvuru/sms");
  await post("/basvuru/sms", {});
  await post("/basvuru/sms/kod", { code: lastCode(home, person.mobileE164) });
  await get("/basvuru/yontem");
  await post("/basvuru/yontem", {});
  await context.close();

  const officer = await browser.newContext();
  const o = officer.request;
  const oget = async (path) => {
    const m = (await (await o.get(home.base + path)).text()).match(/name="csrf" value="([^"]+)"/);
    if (m) csrf = m[1];
  };
  const opost = (path, form) => o.post(home.base + path, { form: { ...form, csrf }, maxRedirects: 0 });
  await oget("/kurum/giris");
  await opost("/kurum/giris", { username: "ali.camli", password: "Demo-Parola-2026" });
  await oget("/kurum/dogrulama");
  await opost("/kurum/dogrulama", { code: totp(officerTotp) });
  const list = await (await o.get(home.base + "/kurum")).text();
  csrf = list.match(/name="csrf" value="([^"]+)"/)[1];
  const id = list.match(new RegExp(`href="/kurum/basvuru/(\\d+)">\\d+</a></td><td>${person.identity.tckn}`))[1];
  await opost(`/kurum/basvuru/${id}/teslim`, { receipt_no: `DK-${id}` });
  await opost(`/kurum/basvuru/${id}/onay`, {});
  await officer.close();

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
