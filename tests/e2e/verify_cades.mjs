// An independent CAdES check with pkijs: verifies the signature of a CMS
// SignedData against a chain (checkChain), and each signature timestamp:
// its token's own signature and its TSTInfo imprint over the signature value.
// Usage: node verify_cades.mjs SIGNATURE.p7s CHAIN.pem [DETACHED-DATA]
// Prints a JSON object; exits 1 when any check fails.
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

pkijs.setEngine("node", new pkijs.CryptoEngine({ name: "node", crypto: webcrypto }));

const [signaturePath, chainPath, dataPath] = process.argv.slice(2);
const toArrayBuffer = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
const certificates = [...readFileSync(chainPath, "utf8").matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)]
  .map((m) => pkijs.Certificate.fromBER(toArrayBuffer(Buffer.from(m[1].replace(/\s+/g, ""), "base64"))));

const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(readFileSync(signaturePath)));
const signedData = new pkijs.SignedData({ schema: contentInfo.content });
const options = { signer: 0, trustedCerts: certificates, checkChain: true, extendedMode: true };
if (dataPath) options.data = toArrayBuffer(readFileSync(dataPath));
const result = { signature: false, timestamps: [] };
try {
  const r = await signedData.verify(options);
  result.signature = r.signatureVerified === true;
  result.code = r.code;
} catch (e) {
  result.error = String(e.message || e);
}

const signer = signedData.signerInfos[0];
const signatureValue = signer.signature.valueBlock.valueHexView;
for (const attribute of signer.unsignedAttrs ? signer.unsignedAttrs.attributes : []) {
  if (attribute.type !== "1.2.840.113549.1.9.16.2.14") continue;
  const token = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: attribute.values[0] }).content });
  const tstInfo = pkijs.TSTInfo.fromBER(token.encapContentInfo.eContent.getValue());
  const entry = { genTime: tstInfo.genTime.toISOString(), imprint: false, signature: false };
  try {
    entry.imprint = await tstInfo.verify({ data: signatureValue });
    const r = await token.verify({ signer: 0, data: signatureValue, trustedCerts: certificates, checkChain: true, extendedMode: true });
    entry.signature = r.signatureVerified === true;
  } catch (e) {
    entry.error = String(e.message || e);
  }
  result.timestamps.push(entry);
}
console.log(JSON.stringify(result));
process.exit(result.signature && result.timestamps.every((t) => t.imprint && t.signature) ? 0 : 1);
