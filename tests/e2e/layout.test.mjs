// Every page of the applicant's, the holder's and the officer's journeys
// fits a phone (390 px) and a desktop (1280 px) without sideways scrolling:
// the page is never wider than the viewport (a wide table scrolls inside its
// own box instead).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CAGRI, Camera, OFFICER_TOTP, holderLogIn, holderSms, officerClient, demoWithCard, overflow } from "./support.mjs";

const PUBLIC = ["/", "/basvuru", "/bireysel", "/bireysel/giris", "/bireysel/sozcuk/unuttum", "/surucu", "/gonderi",
                "/kurum/giris", "/kurum/bilgi", "/personel/bilgi", "/imza-dogrula", "/duyurular",
                "/sayfa/sertifikami-aldim-ne-yapmaliyim", "/sayfa/online-islemler", "/sayfa/sss", "/sayfa/formlar",
                "/sayfa/belgeler", "/sayfa/yasal-uyari", "/sayfa/iletisim"];
const HOLDER = ["/bireysel/menu", "/bireysel/kullanima-ac", "/bireysel/askiya-al", "/bireysel/iptal", "/bireysel/bilgi",
                "/bireysel/sertifikalar", "/bireysel/pin-puk", "/bireysel/kilit-coz", "/bireysel/pin-degistir",
                "/bireysel/e-onay"];
let home, browser, serial;

before(async () => ({ home, browser, serial } = await demoWithCard()));

after(async () => {
  await browser?.close();
  home?.stop();
});


for (const width of [390, 1280]) {
  test(`no page is wider than a ${width} px viewport`, async () => {
    const camera = new Camera(`layout-${width}`);
    const context = await browser.newContext({ locale: "tr-TR", viewport: { width, height: 800 } });
    const page = await context.newPage();
    const wide = [];
    const check = async (path) => {
      await page.goto(home.base + path);
      const extra = await overflow(page);
      if (extra > 0) {
        wide.push(`${path}: ${extra} px too wide`);
        await camera.shot(page, path.replaceAll("/", "_"));
      }
    };
    for (const path of PUBLIC) await check(path);
    await holderLogIn(page, home, CAGRI, null);
    await holderSms(page, home, CAGRI, null);
    for (const path of [...HOLDER, `/bireysel/sertifikalar/${serial}`]) await check(path);
    // The officer console, in this context's cookies.
    const officer = await officerClient(browser, home, OFFICER_TOTP);
    const cookies = await officer.context.cookies();
    await context.addCookies(cookies);
    for (const path of ["/kurum", "/kurum/basvuru/1"]) await check(path);
    await officer.context.close();
    await context.close();
    assert.deepEqual(wide, []);
  });
}
