// The holder's portal (seeds 001-004) in headless Chromium, every screen as a
// holder uses it, starting from a card made by `tugra production run`:
// Şifreli Giriş, SMS, the menu, PIN/PUK (the PIN opens the card in
// pkcs11-tool), Kullanıma Aç (OCSP says good), certificates, suspension,
// details, Kilit Çözme, revocation, the forgotten word link, and the block
// after three wrong words. Screenshots of every step are kept.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CAGRI, Camera, OFFICER_TOTP, VCARD, demoHome, holderLogIn, holderSms, lastCode, launchBrowser, makeCard }
  from "./support.mjs";

let home, browser, serial;

before(async () => {
  home = await demoHome({ TUGRA_SERVICE_POLL_MILLISECONDS: "200", TUGRA_CRL_DEBOUNCE_SECONDS: "1" });
  browser = await launchBrowser();
  serial = await makeCard(browser, home, CAGRI, OFFICER_TOTP);
});

after(async () => {
  await browser?.close();
  home?.stop();
});

const logIn = (page, camera, word = CAGRI.word) => holderLogIn(page, home, CAGRI, camera, word);
const confirmSms = (page, camera) => holderSms(page, home, CAGRI, camera);

function lastBody(home, to) {
  const messages = JSON.parse(home.tugra("outbox", "--to", to, "--limit", "1", "--json"));
  return messages[0]?.body ?? "";
}

function ocsp(certPath) {
  const chain = home.tugra("ca", "chain");
  const nes = join(home.dir, "nes-e2e.pem");
  writeFileSync(nes, chain.slice(0, chain.indexOf("-----END CERTIFICATE-----") + 26));
  writeFileSync(join(home.dir, "chain-e2e.pem"), chain);
  for (let i = 0; i < 50; i++) {
    const out = execFileSync("openssl", ["ocsp", "-issuer", nes, "-cert", certPath, "-url", home.base + "/ocsp",
      "-CAfile", join(home.dir, "chain-e2e.pem"), "-no_nonce"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (/: good/.test(out)) return out;
    execFileSync("sleep", ["0.2"]);
  }
  return "";
}

test("a holder's first use of the card, every screen", async () => {
  const camera = new Camera("holder");
  const context = await browser.newContext({ locale: "tr-TR", acceptDownloads: true });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();

  // A wrong security word first: the same vague answer, the input kept.
  await logIn(page, camera, "Yanlis2026x");
  assert.match(await page.locator("#login-error").innerText(), /Kimlik No ya da Güvenlik Sözcüğü hatalı/);
  await camera.shot(page, "password-login-error");
  await logIn(page, null);
  await confirmSms(page, camera);
  assert.match(await page.locator("#holder-name").innerText(), /ÇAĞRI IŞIL ÖZTÜRK/);
  await camera.shot(page, "menu");

  // PIN / PUK: the PIN on the page opens the card.
  await page.getByRole("link", { name: "PIN / PUK Bilgisi" }).click();
  const pin = await page.locator("#pin").innerText();
  const card = await page.locator("#card-serial").innerText();
  await camera.shot(page, "pin-puk");
  const slots = execFileSync("pkcs11-tool", ["--module", VCARD, "--list-token-slots"], { env: home.env, encoding: "utf8" });
  const slot = slots.split("Slot ").find((s) => s.includes(card));
  const label = slot.match(/token label\s*:\s*(Tugra NES \d+)/)[1];
  const objects = execFileSync("pkcs11-tool", ["--module", VCARD, "--token-label", label, "--login", "--pin", pin,
    "--list-objects", "--type", "privkey"], { env: home.env, encoding: "utf8" });
  assert.match(objects, /Private Key Object/);
  const pdf = page.waitForEvent("download");
  await page.getByRole("link", { name: "Parolalarımı Kaydet" }).click();
  const pdfPath = join(camera.dir, "pin-puk.pdf");
  await (await pdf).saveAs(pdfPath);
  assert.match(execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" }), new RegExp(pin));
  await page.getByLabel(/kalıcı olarak silinmelerini istiyorum/).check();
  await page.getByRole("button", { name: "Parolalarımı Sil" }).click();
  assert.match(await page.locator("#deleted").innerText(), /kalıcı olarak silindi/);
  assert.equal(await page.locator("#pin").count(), 0);
  await camera.shot(page, "pin-puk-deleted");

  // Kullanıma Aç, then OCSP says good.
  await page.getByRole("link", { name: "Menü" }).click();
  await page.getByRole("link", { name: "Kullanıma Aç" }).click();
  await camera.shot(page, "activate");
  await page.getByRole("button", { name: "Kullanıma Aç" }).click();
  assert.match(await page.locator("#notice").innerText(), /kullanıma açıldı/);

  // Sertifika Listele, the details by serial, the download.
  await page.getByRole("link", { name: "Sertifika Listele" }).click();
  await camera.shot(page, "certificates");
  await page.getByRole("link", { name: serial }).click();
  assert.equal(await page.locator("#state").getAttribute("data-state"), "active");
  // Read as a person reads it: the name and number, not a raw DN; dates and times in Turkish form.
  assert.equal(await page.locator("#subject-name").innerText(), "ÇAĞRI IŞIL ÖZTÜRK");
  assert.equal(await page.locator("#subject-id").innerText(), CAGRI.identity.tckn);
  assert.match(await page.locator("dl.details").innerText(), /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
  assert.doesNotMatch(await page.locator("dl.details").innerText(), /UTC|CN=/);
  await camera.shot(page, "certificate-details");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Sertifikayı İndir" }).click();
  const der = join(home.dir, "holder.der");
  await (await download).saveAs(der);
  const pem = join(home.dir, "holder.pem");
  execFileSync("openssl", ["x509", "-inform", "DER", "-in", der, "-out", pem]);
  assert.match(ocsp(pem), /: good/);

  // Askıya Al, Askıdan İndir.
  await page.getByRole("link", { name: "Menü" }).click();
  await page.getByRole("link", { name: "Askıya Al / Askıdan İndir" }).click();
  await page.getByRole("button", { name: "Askıya Al" }).click();
  assert.match(await page.locator("#notice").innerText(), /askıya alındı/);
  await page.getByRole("link", { name: "Askıya Al / Askıdan İndir" }).click();
  await camera.shot(page, "suspended");
  await page.getByRole("button", { name: "Askıdan İndir" }).click();
  assert.match(await page.locator("#notice").innerText(), /askıdan indirildi/);

  // Bilgi Güncelle.
  await page.getByRole("link", { name: "Bilgi Güncelle" }).click();
  await page.getByLabel("Ev Telefonu").fill("0312 444 55 66");
  await camera.shot(page, "update");
  await page.getByRole("button", { name: "Güncelle" }).click();
  assert.match(await page.locator("#notice").innerText(), /güncellendi/);

  // A new e-mail address: the current security word first, then the code sent to the new address.
  const newEmail = "cagri.yeni@example.org";
  await page.getByRole("link", { name: "Bilgi Güncelle" }).click();
  // The numbers come back as typed, not as stored (E.164).
  assert.equal(await page.getByLabel("Ev Telefonu").inputValue(), "0312 444 55 66");
  assert.equal(await page.getByLabel("Cep Telefonu").inputValue(), CAGRI.mobile);
  await page.getByRole("textbox", { name: "E-posta" }).fill(newEmail);
  await page.getByRole("button", { name: "Güncelle" }).click();
  assert.match(await page.locator("#current_word-error").innerText(), /mevcut güvenlik sözcüğünüzü/);
  await camera.shot(page, "update-reauth");
  await page.getByLabel("Mevcut Güvenlik Sözcüğünüz").fill(CAGRI.word);
  await page.getByRole("button", { name: "Güncelle" }).click();
  await page.waitForURL(/\/bireysel\/bilgi\/onay$/);
  await camera.shot(page, "contact-confirm");
  await page.getByLabel(/Yeni e-posta adresinize gelen kod/).fill(lastCode(home, newEmail));
  await page.getByRole("button", { name: "Onayla" }).click();
  assert.match(await page.locator("#notice").innerText(), /güncellendi/);
  assert.match(lastBody(home, CAGRI.email), /iletişim bilgileriniz değiştirildi/);  // the old address is told
  CAGRI.email = newEmail;

  // Kilit Çözme asks before it starts (seed 004); the card agent's part is in card_agent.test.mjs.
  await page.getByRole("link", { name: "Kilit Çözme" }).click();
  assert.match(await page.locator("form.card").innerText(), /Lütfen kartınızı kart okuyucusuna takınız/);
  await camera.shot(page, "unlock");

  // Sertifikamı İptal Et.
  await page.getByRole("link", { name: "Menü" }).click();
  await page.getByRole("link", { name: "Sertifikamı İptal Et" }).click();
  await page.getByRole("radio").first().check();
  await page.getByLabel(/Kartım kayboldu, çalındı/).check();
  await page.getByLabel(/geri alınamayacağını biliyorum/).check();
  await camera.shot(page, "revoke");
  await page.getByRole("button", { name: "Sertifikamı İptal Et" }).click();
  assert.match(await page.locator("#notice").innerText(), /iptal edildi/);
  const revoked = JSON.parse(home.tugra("ca", "list", "--json")).find((c) => c.serial === serial);
  assert.equal(revoked.status, "revoked");

  await page.getByRole("button", { name: "Çıkış" }).first().click();
  await page.waitForURL(/\/bireysel$/);
  await camera.shot(page, "logged-out");
  await context.close();
  home.tugra("audit", "verify");
});

test("the forgotten security word, then three wrong words block", async () => {
  const camera = new Camera("holder-word");
  const context = await browser.newContext({ locale: "tr-TR" });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  await page.goto(home.base + "/bireysel/giris");
  await page.getByRole("link", { name: "Güvenlik Sözcüğümü Unuttum" }).click();
  await page.getByLabel("Kimlik No").fill(CAGRI.identity.tckn);
  await page.getByLabel("Resimdeki Yazı").fill("ABCDE");
  await camera.shot(page, "forgot");
  await page.getByRole("button", { name: "Gönder" }).click();
  assert.match(await page.locator("#result").innerText(), /e-posta adresinize gönderilmiştir/);
  await camera.shot(page, "forgot-sent");
  // The mail is sent after the answer (its timing tells nothing): wait for it.
  let link;
  for (let i = 0; i < 100 && !link; i++) {
    link = lastBody(home, CAGRI.email).match(/(\/bireysel\/sozcuk\/yenile\?t=[\w-]+)/)?.[1];
    if (!link) execFileSync("sleep", ["0.1"]);
  }
  assert.ok(link, "no reset link mailed");
  await page.goto(home.base + link);
  await page.getByLabel("Güvenlik Sözcüğü", { exact: true }).fill("Yepyeni2026");
  await page.getByLabel("Güvenlik Sözcüğü Tekrarı").fill("Yepyeni2026");
  await camera.shot(page, "reset");
  await page.getByRole("button", { name: "Gönder" }).click();
  assert.match(await page.locator("#result").innerText(), /başarıyla güncellenmiştir/);
  await camera.shot(page, "reset-done");
  const again = await page.goto(home.base + link);
  assert.equal(again.status(), 400);

  for (let i = 0; i < 3; i++) await logIn(page, null, "Yanlis2026x");
  assert.match(await page.locator("#login-error").innerText(), /bloke/);
  await camera.shot(page, "blocked");
  await logIn(page, null, "Yepyeni2026");
  assert.match(await page.locator("#login-error").innerText(), /bloke/);
  home.tugra("holder", "unblock", "--tckn", CAGRI.identity.tckn);
  await logIn(page, null, "Yepyeni2026");
  await confirmSms(page, null);
  await context.close();
});
