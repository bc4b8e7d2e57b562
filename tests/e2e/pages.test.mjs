// The help and content pages, the driver service, the İl / İlçe lists and
// Bilgi Güncelle's records, clicked through in Chromium at a phone's and a
// desktop's width, each page checked to fit the viewport.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CAGRI, Camera, holderLogIn, holderSms, demoWithCard, overflow } from "./support.mjs";

let home, browser, serial;

before(async () => ({ home, browser, serial } = await demoWithCard()));

after(async () => {
  await browser?.close();
  home?.stop();
});

// The options a person can pick in a select (portal.js hides the others).
const choices = (page, selector) => page.locator(selector).evaluate((s) =>
  Array.from(s.options).filter((o) => !o.hidden && !o.disabled && o.value !== "").map((o) => o.textContent));

for (const width of [390, 1280]) {
  test(`help pages, footer and announcements at ${width} px`, async () => {
    const camera = new Camera(`pages-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(home.base + "/");
    await page.getByRole("link", { name: "Sertifikamı Aldım Ne Yapmalıyım?" }).click();
    await page.waitForURL(/\/sayfa\/sertifikami-aldim-ne-yapmaliyim$/);
    // Seed 001: click a reader's line to switch to its steps; one open at a time.
    const sections = page.locator("details.section");
    assert.equal(await sections.nth(0).getAttribute("open"), "");
    assert.ok(await page.getByText("ACS 38T USB Beyaz").isVisible());
    await page.getByText("Mini Kart Okuyucu (MİLKO marka) için İşlem Adımları").click();
    assert.equal(await sections.nth(1).getAttribute("open"), "");
    assert.equal(await sections.nth(0).getAttribute("open"), null);
    assert.ok(await page.getByText("MİLKO", { exact: false }).nth(1).isVisible());
    assert.ok(!(await page.getByText("ACS 38T USB Beyaz").isVisible()));
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "sertifikami-aldim");
    // Every footer link of seed 000 leads to its page.
    for (const [name, heading] of [["Formlar", "Formlar"], ["Belgeler", "Belgeler"], ["Duyurular", "Duyurular"],
                                   ["Yasal Uyarı", "Yasal Uyarı"], ["İletişim", "İletişim"],
                                   ["Sürücüler", "Sürücü Yükleme Servisi"], ["Gönderi Sorgulama", "Gönderi Sorgulama"]]) {
      await page.locator("footer.site").getByRole("link", { name, exact: true }).click();
      assert.equal(await page.locator("h1").innerText(), heading);
      assert.equal(await overflow(page), 0, name);
    }
    await page.goto(home.base + "/sayfa/iletisim");
    assert.ok(await page.getByRole("link", { name: "bilgi@tugra.example" }).isVisible());
    await page.goto(home.base + "/sayfa/sss");
    await page.getByText("Güvenlik sözcüğümü unuttum.").click();
    assert.ok(await page.getByText(/444 5 576 numaralı Çağrı Merkezimizi arayarak yeni güvenlik sözcüğünüzü/).isVisible());
    await camera.shot(page, "sss");
    await context.close();
  });

  test(`the driver service narrows its choices at ${width} px`, async () => {
    const camera = new Camera(`drivers-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(home.base + "/surucu");
    // Each label sits right above its select.
    for (const name of ["İşletim sistemi", "Sürüm", "Tipi"]) {
      const select = await page.getByLabel(name).boundingBox();
      const label = await page.locator("label", { hasText: name }).first().boundingBox();
      assert.ok(Math.abs(label.x - select.x) < 2 && select.y - (label.y + label.height) < 8, name);
    }
    await page.getByLabel("İşletim sistemi").selectOption("Windows");
    assert.deepEqual(await choices(page, "#version"), ["Windows 7", "Windows 8", "Windows 10", "Windows 11"]);
    await page.getByLabel("Sürüm").selectOption("11");
    await page.getByLabel("İşletim sistemi").selectOption("Linux");
    assert.deepEqual(await choices(page, "#version"), ["Linux Debian 12", "Linux Ubuntu 24.04"]);
    assert.equal(await page.getByLabel("Sürüm").inputValue(), "");  // Windows 11 is no Linux version
    await page.getByLabel("Sürüm").selectOption("Ubuntu 24.04");
    await page.getByLabel("Tipi").selectOption("64");
    await page.getByLabel("Gemplus USB").check();
    await page.getByLabel("Gemplus Akıllı Kart").check();
    await page.getByRole("button", { name: "Sürücüleri Göster" }).click();
    const links = page.locator("ul.downloads a");
    assert.deepEqual(await links.allInnerTexts(), ["Gemplus USB Sürücüsü (Linux Ubuntu 24.04, 64 bit)",
                                                    "Gemplus Akıllı Kart Sürücüsü (Linux Ubuntu 24.04, 64 bit)"]);
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "found");
    await context.close();
  });

  test(`Sertifika Sorgulama finds a published certificate at ${width} px`, async () => {
    const camera = new Camera(`directory-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(home.base + "/");
    await page.locator("footer.site").getByRole("link", { name: "Sertifika Sorgulama" }).click();
    await page.getByLabel("Ad Soyad").fill("Çağrı Işıl Öztürk");
    await page.getByLabel("Kurum").selectOption("TEST KURUM");
    await page.getByRole("button", { name: "Sorgula" }).click();
    const row = page.locator("table.directory tbody tr");
    assert.equal(await row.count(), 1);
    const cells = await row.locator("td").allInnerTexts();
    assert.deepEqual([cells[0], cells[1], cells[4]], ["ÇAĞRI IŞIL ÖZTÜRK", "TEST KURUM", "Askıda"]);
    assert.doesNotMatch(await page.locator("main").innerText(), new RegExp(CAGRI.identity.tckn));
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "found");
    const download = page.waitForEvent("download");
    await row.getByRole("link", { name: "DER" }).click();
    assert.match((await download).suggestedFilename(), /^[0-9A-F]+\.crt$/);
    // Only the whole name finds it.
    await page.getByLabel("Ad Soyad").fill("Çağrı");
    await page.getByRole("button", { name: "Sorgula" }).click();
    assert.ok(await page.locator("#directory-none").isVisible());
    await context.close();
  });

  test(`İl and İlçe lists and Bilgi Güncelle's records at ${width} px`, async () => {
    const camera = new Camera(`places-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    // The application form: Şükrü of the demo staff list, Kocaeli / Gebze prefilled.
    await page.goto(home.base + "/basvuru");
    await page.getByLabel("Kimlik No").fill("99900000388");
    await page.getByLabel("Kurum Sicil No").fill("2002");
    await page.getByLabel("Ad :", { exact: true }).fill("Şükrü");
    await page.getByLabel("Soyad").fill("Güldoğan");
    await page.getByLabel("Doğum Yeri").fill("Muğla");
    await page.getByLabel("Doğum Tarihi").fill("05.01.1969");
    await page.getByLabel("Resimdeki Yazıyı Giriniz").fill("abcde");
    await page.getByRole("button", { name: "Giriş" }).click();
    await page.waitForURL(/\/basvuru\/form$/);
    assert.equal(await page.locator("output#birth_date").innerText(), "05.01.1969");
    assert.equal(await page.getByLabel("İl", { exact: true }).inputValue(), "Kocaeli");
    assert.equal(await page.getByLabel("İlçe").inputValue(), "Gebze");
    assert.equal((await choices(page, "#ilce")).length, 12);  // Kocaeli's districts only
    await page.getByLabel("İl", { exact: true }).selectOption("Ankara");
    const ankara = await choices(page, "#ilce");
    assert.equal(ankara.length, 25);
    assert.ok(ankara.includes("Çankaya") && !ankara.includes("Gebze"));
    assert.equal(await page.getByLabel("İlçe").inputValue(), "");
    await page.getByLabel("İlçe").selectOption("Çankaya");
    assert.equal(await overflow(page), 0);
    await camera.shot(page, "application-places");

    // Bilgi Güncelle: the record first, then the form (seed 004).
    await holderLogIn(page, home, CAGRI, null);
    await holderSms(page, home, CAGRI, null);
    await page.goto(home.base + "/bireysel/bilgi");
    const record = page.locator("table.records");
    assert.match(await record.locator("caption").innerText(), /Bilgi Güncelleme Ekranı/);
    const cells = await record.locator("tbody td").allInnerTexts();
    assert.equal(cells[0], CAGRI.identity.tckn);
    assert.equal(cells[4], "TEST KURUM");
    assert.match(cells[5], /^\d\d\.\d\d\.\d{4}$/);
    await camera.shot(page, "records");
    await record.getByRole("link", { name: "Güncelle" }).click();
    assert.match(page.url(), /#guncelle$/);
    await page.getByLabel("İl", { exact: true }).selectOption("İzmir");
    await page.getByLabel("İlçe").selectOption("Karşıyaka");
    await page.locator("#guncelle").getByRole("button", { name: "Güncelle" }).click();
    await page.waitForURL(/\/bireysel\/menu\?ok=updated$/);
    await page.goto(home.base + "/bireysel/bilgi");
    assert.equal(await page.getByLabel("İl", { exact: true }).inputValue(), "İzmir");
    assert.equal(await page.getByLabel("İlçe").inputValue(), "Karşıyaka");
    assert.equal(await overflow(page), 0);
    await context.close();
  });
}
