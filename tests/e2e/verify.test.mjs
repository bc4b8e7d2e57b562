// "İmza Doğrula" in headless Chromium: from the home page's tile, a PAdES
// file made by `tugra sign` is uploaded and reported valid with its signer
// (and its report downloaded as a PDF that pdftotext reads back);
// the same file with one byte changed in the signed range is reported
// invalid; a file that is not signed is refused with a message. No account.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Camera, Home, launchBrowser } from "./support.mjs";

let home, browser;

// A one-page PDF with a classic cross-reference table.
function makePdf(text) {
  const content = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.7\n";
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

before(async () => {
  home = new Home();
  home.tugra("init");
  await home.serve();
  // The holder certificate names this server for OCSP and CRLs.
  home.env.TUGRA_SERVICE_PUBLIC_BASE_URL = home.base;
  const key = join(home.dir, "holder.key"), pub = join(home.dir, "holder.pub"), cert = join(home.dir, "holder.pem");
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  execFileSync("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
  home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Yılmaz",
             "--public-key", pub, "--out", cert);
  writeFileSync(join(home.dir, "dilekce.pdf"), makePdf("Izin dilekcesi"));
  home.tugra("sign", join(home.dir, "dilekce.pdf"), "--key", key, "--cert", cert, "--visible");
  const signed = readFileSync(join(home.dir, "dilekce-imzali.pdf"));
  signed[signed.indexOf("Izin dilekcesi")] ^= 0x01;  // inside the signed range
  writeFileSync(join(home.dir, "degisik.pdf"), signed);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  home?.stop();
});

async function upload(page, file) {
  await page.getByLabel("İmzalı dosya (PDF, XML veya .p7s)").setInputFiles(join(home.dir, file));
  await page.getByRole("button", { name: "Doğrula", exact: true }).click();
  await page.waitForLoadState();
}

test("İmza Doğrula: a PAdES file valid, the same file changed invalid, an unsigned file refused", async () => {
  const camera = new Camera("verify");
  const context = await browser.newContext({ locale: "tr-TR", acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(home.base + "/");
  await page.getByRole("link", { name: /İmza Doğrula/ }).click();
  await page.waitForURL(/\/imza-dogrula$/);
  await camera.shot(page, "form");

  await upload(page, "dilekce-imzali.pdf");
  await camera.shot(page, "valid");
  assert.equal(await page.locator("#sonuc").innerText(), "İmza geçerli");
  const report = await page.locator("#rapor").innerText();
  assert.match(report, /CN=Ayşe Yılmaz/);
  assert.match(report, /PAdES, B-B/);
  assert.match(report, /TOTAL-PASSED/);

  // The same report as a PDF to file away.
  await page.getByLabel("İmzalı dosya (PDF, XML veya .p7s)").setInputFiles(join(home.dir, "dilekce-imzali.pdf"));
  const [download] = await Promise.all([page.waitForEvent("download"),
                                        page.getByRole("button", { name: "Doğrula ve raporu PDF olarak indir" }).click()]);
  assert.equal(download.suggestedFilename(), "imza-dogrulama-raporu.pdf");
  const pdf = join(home.dir, "rapor.pdf");
  await download.saveAs(pdf);
  const text = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" });
  assert.match(text, /İmza Doğrulama Raporu/);
  assert.match(text, /İmza geçerli \(TOTAL-PASSED\)/);

  await upload(page, "degisik.pdf");
  await camera.shot(page, "changed");
  assert.equal(await page.locator("#sonuc").innerText(), "İmza geçersiz");
  assert.match(await page.locator("#rapor").innerText(), /HASH_FAILURE/);

  await upload(page, "dilekce.pdf");
  await camera.shot(page, "unsigned");
  assert.equal(await page.locator("#rapor").count(), 0);
  assert.match(await page.getByRole("alert").innerText(), /dilekce\.pdf içinde imza yok/);
  await context.close();
});
