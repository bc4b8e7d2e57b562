// /api/v1 for relying parties, checked against its OpenAPI 3.1 description
// by tools nobody here wrote: @apidevtools/swagger-parser validates the
// document, and every answer below is validated with ajv (JSON Schema
// 2020-12, OpenAPI 3.1's dialect) against the schema the document gives
// for its path and status.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import { CAGRI, OFFICER_TOTP, demoHome, launchBrowser, makeCard } from "./support.mjs";

let home, browser, serial, api, ajv;

before(async () => {
  home = await demoHome();
  browser = await launchBrowser();
  serial = await makeCard(browser, home, CAGRI, OFFICER_TOTP);  // published: the form's default
  await browser.close();
  browser = null;
  const document = await (await fetch(home.base + "/api/v1/openapi.json")).json();
  api = await SwaggerParser.validate(structuredClone(document));  // throws on an invalid document; refs resolved
  ajv = new Ajv2020({ strict: false });
});

after(async () => {
  await browser?.close();
  home?.stop();
});

// Fetches `path` and validates the answer against the document's schema for
// (template, status); returns the status and the parsed body.
async function call(path, template, headers = {}) {
  const response = await fetch(home.base + "/api/v1" + path, { headers });
  const operation = api.paths[template].get;
  const declared = operation.responses[String(response.status)];
  assert.ok(declared, `${template} does not declare ${response.status}`);
  const type = response.headers.get("content-type");
  const [mediaType, media] = Object.entries(declared.content)[0];
  assert.equal(type, mediaType, path);
  if (!type.includes("json")) return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  const body = await response.json();
  const validate = ajv.compile(media.schema);
  assert.ok(validate(body), `${path}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`);
  return { status: response.status, body };
}

test("the description is valid OpenAPI 3.1 and names every endpoint", () => {
  assert.equal(api.openapi, "3.1.0");
  for (const path of ["/authorities", "/certificates/{serial}", "/certificates/{serial}.crt",
                      "/certificates/{serial}.pem", "/directory", "/openapi.json"])
    assert.ok(api.paths[path], path);
});

test("authorities, statuses and published certificates answer as described", async () => {
  const authorities = await call("/authorities", "/authorities");
  assert.deepEqual(authorities.body.authorities.map((a) => a.kind).sort(), ["issuing-ca", "root-ca"]);
  assert.match(authorities.body.ocsp_url, /\/ocsp$/);
  // The CRL address it gives is served.
  const crl = authorities.body.authorities.find((a) => a.kind === "issuing-ca").crl_url;
  assert.equal((await fetch(home.base + new URL(crl).pathname)).status, 200);

  // On hold until Kullanıma Aç: revoked with certificateHold, as OCSP says.
  let status = await call(`/certificates/${serial}`, "/certificates/{serial}");
  assert.deepEqual([status.body.known, status.body.status, status.body.reason], [true, "revoked", "certificateHold"]);
  home.tugra("ca", "unsuspend", serial);
  status = await call(`/certificates/${serial.toLowerCase()}`, "/certificates/{serial}");
  assert.equal(status.body.status, "good");
  assert.equal(status.body.serial, serial);
  status = await call("/certificates/7E57000000000001", "/certificates/{serial}");
  assert.deepEqual([status.body.known, status.body.status, status.body.revoked_at], [false, "revoked", "1970-01-01T00:00:00Z"]);

  const der = await call(`/certificates/${serial}.crt`, "/certificates/{serial}.crt");
  assert.equal(der.status, 200);
  assert.equal(der.body[0], 0x30);
  const pem = await call(`/certificates/${serial}.pem`, "/certificates/{serial}.pem");
  assert.match(pem.body.toString(), /^-----BEGIN CERTIFICATE-----\n/);

  const found = await call("/directory?" + new URLSearchParams({ name: "çağrı ışıl öztürk", institution: "TEST KURUM" }),
                           "/directory");
  assert.deepEqual(found.body.certificates.map((c) => [c.serial, c.name, c.status]),
                   [[serial, "ÇAĞRI IŞIL ÖZTÜRK", "valid"]]);
  assert.ok(!JSON.stringify(found.body).includes(CAGRI.identity.tckn));
  const none = await call("/directory?" + new URLSearchParams({ name: CAGRI.identity.tckn, institution: "TEST KURUM" }),
                          "/directory");
  assert.deepEqual(none.body.certificates, []);
});

test("errors are problem details in the asker's language", async () => {
  let p = await call("/certificates/XYZ", "/certificates/{serial}");
  assert.deepEqual([p.status, p.body.status, p.body.title], [400, 400, "Geçersiz seri numarası"]);
  p = await call("/certificates/XYZ", "/certificates/{serial}", { "Accept-Language": "en-GB,en;q=0.9" });
  assert.equal(p.body.title, "Invalid serial number");
  p = await call("/certificates/ABCDEF.crt", "/certificates/{serial}.crt");
  assert.deepEqual([p.status, p.body.type], [404, "https://tugra.example/problems/not_published"]);
  p = await call("/directory?name=Ali", "/directory");
  assert.equal(p.status, 400);
  // Searches are limited per address: the 429 is a problem too.
  let limited;
  for (let i = 0; i < 30 && !limited; i++) {
    const r = await call("/directory?name=Kimse+Yok&institution=TEST+KURUM", "/directory");
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, "no 429 after 30 searches");
  assert.equal(limited.body.title, "Çok fazla istek");
  const retry = await fetch(home.base + "/api/v1/directory?name=Kimse+Yok&institution=TEST+KURUM");
  assert.equal(retry.status, 429);
  assert.equal(retry.headers.get("retry-after"), "60");
});
