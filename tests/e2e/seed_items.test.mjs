// The seed gaps a civil servant, an officer and the call centre met, each
// checked in Chromium at a phone's (390 px) and a desktop's (1280 px) width:
// identity numbers (foreigners yes, passports no), the officer's list and
// detail in words, the card's progress, PIN/PUK deletion needing its tick,
// Kilit Çözme's confirmation, Turkish formats, the call centre's new
// security word, and the messages the holder receives.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CAGRI, Camera, OFFICER_TOTP, holderLogIn, holderSms, officerClient, demoWithCard, overflow } from "./support.mjs";

const OPERATOR_TOTP = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
let home, browser, serial;

before(async () => ({ home, browser, serial } = await demoWithCard()));

after(async () => {
  await browser?.close();
  home?.stop();
});

const outbox = (to) => JSON.parse(home.tugra("outbox", "--to", to, "--limit", "20", "--json"));

for (const width of [390, 1280]) {
  test(`identity numbers on step 1/6 at ${width} px`, async () => {
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(home.base + "/basvuru");
    // Where to look one's number up, and whom to ask.
    assert.ok(await page.locator('a[href="https://tckimlik.nvi.gov.tr"]').isVisible());
    assert.equal(await page.locator("#contact-email").innerText(), "bilgi@tugra.example");
    for (const [typed, said] of [["U12345678", /99 ile başlayan Yabancı Kimlik Numarası/],  // a passport number
                                 ["99000000000", /Geçerli bir T\.C\. Kimlik Numarası/]]) {   // a bad checksum
      await page.getByLabel("Kimlik No").fill(typed);
      await page.getByLabel("Kurum Sicil No").fill("1234567890");
      await page.getByLabel("Ad :", { exact: true }).fill("Jane");
      await page.getByLabel("Soyad").fill("Doe");
      await page.getByLabel("Doğum Yeri").fill("London");
      await page.getByLabel("Doğum Tarihi").fill("01.01.1990");
      await page.getByLabel("Resimdeki Yazıyı Giriniz").fill("abcde");
      await page.getByRole("button", { name: "Giriş" }).click();
      assert.match(await page.locator("#tckn-error").innerText(), said);
    }
    assert.equal(await overflow(page), 0);
    await context.close();
  });

  test(`the officer reads applications in words at ${width} px`, async () => {
    const camera = new Camera(`officer-${width}`);
    const officer = await officerClient(browser, home, OFFICER_TOTP);
    const page = await officer.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.goto(home.base + "/kurum?lang=tr");  // the officer's context has no Turkish locale
    const row = page.locator("tr", { has: page.getByRole("cell", { name: CAGRI.identity.tckn }) });
    assert.equal(await row.locator(".app-type").innerText(), "Yeni");
    assert.match(await row.innerText(), /Kart üretildi, kargoya hazırlanıyor/);
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "list");
    await row.getByRole("link").first().click();
    assert.equal(await page.locator("#app-type").innerText(), "Yeni");
    assert.equal(await page.locator("#years").innerText(), "3 Yıl");
    assert.match(await page.locator("#channel").innerText(), /Her İkisi/);
    assert.match(await page.locator("#address").innerText(), /Gebze Yerleşkesi, 41470 Gebze \/ Kocaeli/);
    assert.match(await page.locator("dl.details").innerText(), /30\.09\.1988/);
    assert.match(await page.locator("dl.details").innerText(), /0532 123 45 67/);
    const text = await page.locator("main").innerText();
    assert.doesNotMatch(text, /Ret gerekçesi:\s*$/m);
    assert.match(await page.locator("#receipt").innerText(), /^DK-\d+$/);
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "detail");
    await officer.context.close();
  });

  test(`the holder's pages keep their promises at ${width} px`, async () => {
    const camera = new Camera(`holder-items-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    await holderLogIn(page, home, CAGRI, null);
    await holderSms(page, home, CAGRI, null);
    // The log-in SMS says what it is, and production told the holder the tracking number.
    const messages = outbox(CAGRI.mobileE164).map((m) => m.body);
    assert.ok(messages.some((b) => /Bireysel İşlemler giriş kodunuz|holder services log-in code/.test(b)));
    assert.ok(messages.some((b) => /\b\d{12}\b/.test(b) && /gönderi|tracking/i.test(b)));

    // PIN / PUK: "Parolalarımı Sil" without the tick deletes nothing, and says why.
    await page.goto(home.base + "/bireysel/pin-puk");
    assert.match(await page.locator("#card-year-note").innerText(), /2011/);
    await page.locator("#delete").click();
    assert.ok(await page.locator("#action-error").isVisible());
    assert.ok(await page.locator("#pin").isVisible());
    assert.equal(await page.locator("#no-secrets").count(), 0);
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "pinpuk-not-ticked");

    // Kilit Çözme first asks seed 004's question.
    await page.goto(home.base + "/bireysel/kilit-coz");
    assert.match(await page.locator("main form.card").innerText(), /Lütfen kartınızı kart okuyucusuna takınız/);
    assert.ok(await page.locator("#unlock-start").isVisible());
    assert.equal(await overflow(page), 0);

    // The certificate's details in Turkish formats: the holder's name, Turkey's time.
    await page.goto(home.base + `/bireysel/sertifikalar/${serial}`);
    assert.equal(await page.locator("#subject-name").innerText(), "ÇAĞRI IŞIL ÖZTÜRK");
    assert.equal(await page.locator("#subject-id").innerText(), CAGRI.identity.tckn);
    const details = await page.locator("dl.details").innerText();
    assert.match(details, /\d\d\.\d\d\.\d{4} \d\d:\d\d/);
    assert.doesNotMatch(details, /UTC|CN=/);
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "certificate");

    // Sertifikamı İptal Et: every reason is read whole on a phone (choices, not a clipped select).
    await page.goto(home.base + "/bireysel/iptal");
    for (const label of await page.locator("#reason label").all()) {
      const box = await label.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, await label.innerText());
    }
    assert.match(await page.locator("#reason").innerText(), /PIN'im başkasının eline geçti/);
    assert.equal(await overflow(page), 0);

    // Bilgi Güncelle shows the phone as typed.
    await page.goto(home.base + "/bireysel/bilgi");
    assert.equal(await page.getByLabel("Cep Telefonu").inputValue(), "0532 123 45 67");
    await context.close();
  });

  test(`the call centre gives a new security word at ${width} px`, async () => {
    const operator = await officerClient(browser, home, OPERATOR_TOTP, "cagri.merkezi");
    const page = await operator.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.goto(home.base + "/operator?lang=tr");
    await page.locator("#word-tckn").fill(CAGRI.identity.tckn);
    await page.getByRole("button", { name: "Yeni Sözcük Ver" }).click();
    const word = await page.locator("#new-word").innerText();
    assert.ok(word.length >= 8);
    assert.equal(await overflow(page), 0);
    await operator.context.close();
    // The holder logs in with it, then takes the usual word back.
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const holder = await context.newPage();
    await holderLogIn(holder, home, CAGRI, null, word);
    await holderSms(holder, home, CAGRI, null);
    await holder.goto(home.base + "/bireysel/bilgi");
    await holder.getByLabel(/Güvenlik Sözcüğümü Değiştir/).check();
    await holder.locator("#security_word").fill(CAGRI.word);
    await holder.locator("#security_word2").fill(CAGRI.word);
    await holder.locator("#current_word").fill(word);
    await holder.locator("#guncelle").getByRole("button", { name: "Güncelle" }).click();
    await holder.waitForURL(/\/bireysel\/menu\?ok=updated$/);
    await context.close();
  });
}
