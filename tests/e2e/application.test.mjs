// The application journey of seed 000 in headless Chromium, as an applicant
// and then the institution officer would click through it; the card is then
// made by `tugra production run`. Screenshots of every step are kept.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Camera, Home, launchBrowser, totp } from "./support.mjs";

const OFFICER_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
let home, browser;

before(async () => {
  home = new Home();
  home.tugra("init");
  home.tugra("demo", "seed");
  await home.serve();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  home?.stop();
});

test("an applicant applies, the officer approves, a card is made", async () => {
  const camera = new Camera("application");
  const context = await browser.newContext({ locale: "tr-TR", viewport: { width: 390, height: 844 } });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();

  await page.goto(home.base + "/");
  await camera.shot(page, "home");
  await page.getByRole("link", { name: /Başvuru/ }).first().click();
  await assert.doesNotReject(page.getByText("Nitelikli Elektronik Sertifika Başvurusu").first().waitFor());
  assert.match(await page.locator("p.step").innerText(), /Adım : 1\/6/);
  // "Yenile" swaps the captcha image without leaving the page.
  const firstSrc = await page.locator("#captcha-image").getAttribute("src");
  await page.getByRole("link", { name: "Yenile" }).click();
  await page.waitForFunction((src) => document.getElementById("captcha-image").getAttribute("src") !== src, firstSrc);
  assert.equal(new URL(page.url()).pathname, "/basvuru");
  await camera.shot(page, "step1-login");

  // A wrong captcha: the error stands beside the field and the input stays.
  await page.getByLabel("Resimdeki Yazıyı Giriniz").fill("zzzzz");
  await page.getByLabel("Kimlik No").fill("99900000210");
  await page.getByLabel("Kurum Sicil No").fill("1234567890");
  await page.getByLabel("Ad :", { exact: true }).fill("Çağrı Işıl");
  await page.getByLabel("Soyad").fill("Öztürk");
  await page.getByLabel("Doğum Yeri").fill("İzmir");
  await page.getByLabel("Doğum Tarihi").fill("30.09.1988");
  await page.getByRole("button", { name: "Giriş" }).click();
  assert.match(await page.locator("#captcha-error").innerText(), /yanlış/);
  assert.equal(await page.getByLabel("Soyad").inputValue(), "Öztürk");
  await camera.shot(page, "step1-captcha-error");
  await page.getByLabel("Resimdeki Yazıyı Giriniz").fill("abcde");
  await page.getByRole("button", { name: "Giriş" }).click();

  // 2/6: prefilled from the institution; mismatched security words first.
  await page.waitForURL(/\/basvuru\/form$/);
  assert.equal(await page.getByLabel("Çalıştığı Birim").inputValue(), "Bilgi İşlem");
  assert.equal(await page.locator("#institution").innerText(), "TEST KURUM");
  await page.getByLabel("Sertifika Süresi").selectOption("5");
  await page.getByLabel("Maddi Sınır (TL, isteğe bağlı)").fill("50000");
  await page.getByLabel("Güvenlik sözcüğü nedir?").fill("Gizli2026Söz");
  await page.getByLabel("Güvenlik sözcüğü (Tekrar)").fill("Gizli2026Sö");
  await page.getByRole("textbox", { name: "E-posta" }).fill("cagri.ozturk@example.org");
  await page.getByLabel("Cep Telefonu").fill("0532 123 45 67");
  await page.getByLabel("Mobil Operatör Tipi").selectOption("turkcell");
  await page.getByLabel("Her İkisi (E-posta+SMS)").check();
  await page.getByRole("button", { name: "Formu Onayla" }).click();
  assert.match(await page.locator("#security_word2-error").innerText(), /aynısı değil/);
  assert.equal(await page.getByLabel("Sertifika Süresi").inputValue(), "5");
  await camera.shot(page, "step2-form-error");
  await page.getByLabel("Güvenlik sözcüğü nedir?").fill("Gizli2026Söz");
  await page.getByLabel("Güvenlik sözcüğü (Tekrar)").fill("Gizli2026Söz");
  await camera.shot(page, "step2-form");
  await page.getByRole("button", { name: "Formu Onayla" }).click();

  // 3/6 and 4/6: the masked number, the code from the outbox, the countdown.
  await page.waitForURL(/\/basvuru\/sms$/);
  assert.equal(await page.locator("#masked-phone").innerText(), "53* *** ** **");
  await camera.shot(page, "step3-sms");
  await page.getByRole("button", { name: "Onay" }).click();
  await page.waitForURL(/\/basvuru\/sms\/kod$/);
  const start = Number(await page.locator("#countdown").innerText());
  assert.ok(start > 250 && start <= 300, `countdown starts at ${start}`);
  await page.waitForFunction((s) => Number(document.getElementById("countdown").textContent) < s, start);
  await camera.shot(page, "step4-code");
  const outbox = await context.newPage();
  await outbox.goto(home.base + "/dev/outbox?to=%2B905321234567");
  const code = (await outbox.locator("td.body").first().innerText()).match(/\b(\d{6})\b/)[1];
  await outbox.close();
  await page.getByLabel("SMS Doğrulama Kodu:").fill(code);
  await page.getByRole("button", { name: "Tamam" }).click();

  // 5/6: e-signed (through the card agent: card_agent.test.mjs) or wet signature; a first card is wet-signed.
  await page.waitForURL(/\/basvuru\/yontem$/);
  assert.equal(await page.getByRole("link", { name: "E-İmzalı Başvuru" }).getAttribute("href"), "/basvuru/e-imza");
  await camera.shot(page, "step5-method");
  await page.getByRole("button", { name: "Islak İmzalı Başvuru" }).click();

  // 6/6: the officer's name and the PDF.
  await page.waitForURL(/\/basvuru\/islak$/);
  assert.equal(await page.locator("#officer").innerText(), "Ali Nafiz Çamlı (TEST KURUM)");
  await camera.shot(page, "step6-wet");
  const response = await context.request.get(home.base + "/basvuru/form.pdf");
  assert.equal(response.headers()["content-type"], "application/pdf");
  const pdfPath = join(camera.dir, "basvuru.pdf");
  writeFileSync(pdfPath, await response.body());
  const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { encoding: "utf8" });
  assert.match(text, /ÇAĞRI IŞIL/);
  assert.match(text, /5 Yıl/);
  assert.doesNotMatch(text, /Gizli2026Söz/);
  await context.close();

  // The officer: password, second factor, form and receipt, approval.
  const officer = await browser.newContext({ locale: "tr-TR" });
  const console = await officer.newPage();
  await console.goto(home.base + "/kurum");
  await console.waitForURL(/\/kurum\/giris$/);
  await console.getByLabel("Kullanıcı Adı").fill("ali.camli");
  await console.getByLabel("Parola").fill("Demo-Parola-2026");
  await camera.shot(console, "officer-login");
  await console.getByRole("button", { name: "Giriş" }).click();
  await console.getByLabel("Doğrulama Kodu").fill(totp(OFFICER_TOTP));
  await camera.shot(console, "officer-second-factor");
  await console.getByRole("button", { name: "Tamam" }).click();
  await console.waitForURL(/\/kurum$/);
  await camera.shot(console, "officer-list");
  await console.locator('tr[data-state="submitted"] a').first().click();
  await console.getByLabel("Dekont No").fill("DK-2026/0042");
  await console.getByRole("button", { name: "Formu ve Dekontu Kaydet" }).click();
  await console.getByRole("button", { name: /Onayla/ }).click();
  assert.equal(await console.locator("#state").getAttribute("data-state"), "approved");
  await camera.shot(console, "officer-approved");
  await officer.close();

  // The approved application becomes a card.
  home.tugra("vcard", "add");
  home.tugra("production", "run");
  const list = home.tugra("production", "list");
  assert.match(list, /99900000210\tÇAĞRI IŞIL ÖZTÜRK\türetildi/);
  const certificates = JSON.parse(home.tugra("ca", "list", "--json"));
  assert.equal(certificates.find((c) => c.tckn === "99900000210").status, "suspended");
  home.tugra("audit", "verify");
});

test("English, keyboard-only and the public pages", async () => {
  const camera = new Camera("public");
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(home.base + "/basvuru");
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
  await camera.shot(page, "login-english");
  await page.goto(home.base + "/surucu?lang=tr");
  await page.getByLabel("İşletim sistemi").selectOption("Linux");
  await page.getByLabel("Sürüm").selectOption("Debian 12");
  await page.getByLabel("Tipi").selectOption("64");
  await page.getByLabel("AKIS Akıllı Kart").check();
  await page.getByRole("button", { name: "Sürücüleri Göster" }).click();
  const links = page.locator("ul.downloads a");
  assert.ok((await links.count()) >= 1);
  await camera.shot(page, "drivers");
  const download = page.waitForEvent("download");
  await links.first().click();
  assert.match((await download).suggestedFilename(), /-linux\.sh$/);
  await page.goto(home.base + "/gonderi");
  await page.getByLabel("Gönderi Numarası").fill("123");
  await page.keyboard.press("Enter");
  assert.match(await page.locator("#no-error").innerText(), /12 rakam/);
  await camera.shot(page, "shipment");
  await context.close();
});
